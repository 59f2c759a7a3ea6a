namespace ActorTrading.Hocon.Tests;

/// <summary>The HOCON spec's constructs, each from the spec's own examples where it has them.</summary>
public sealed class HoconParserSpecs
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public void Json_is_HOCON()
    {
        var config = Parse("""{ "a": { "b": [1, 2.5, "x", true, null] }, "c": -3e2 }""");

        var items = (HoconArray)config.Find("a.b")!;
        items.Select(item => ((HoconScalar)item).Kind).ShouldBe([HoconScalarKind.Number, HoconScalarKind.Number, HoconScalarKind.String, HoconScalarKind.Boolean, HoconScalarKind.Null]);
        config.GetDouble("c").ShouldBe(-300);
        config.HasPath("a.b").ShouldBeTrue();
    }

    [Fact]
    public void Root_braces_commas_and_separators_are_optional()
    {
        var config = Parse("""
            a = 1
            b : 2,
            c { d = 3 }
            e = [1
                 2,
                 3,]
            """);

        (config.GetInt("a"), config.GetInt("b"), config.GetInt("c.d")).ShouldBe((1, 2, 3));
        config.GetStringList("e").ShouldBe(["1", "2", "3"]);
    }

    [Fact]
    public void Hash_and_double_slash_start_comments_outside_strings()
    {
        var config = Parse("""
            # a comment
            a = 1 // another
            b = "not # a comment"
            c = a/b/c // an unquoted string stops at //
            """);

        config.GetInt("a").ShouldBe(1);
        config.GetString("b").ShouldBe("not # a comment");
        config.GetString("c").ShouldBe("a/b/c");
    }

    [Fact]
    public void Unquoted_strings_keep_inner_whitespace_and_concatenate_with_quoted_ones()
    {
        var config = Parse("""
            a = foo bar   baz
            b = "foo"bar  "baz"
            c = 1 2 3
            d = true
            e = "true"
            """);

        config.GetString("a").ShouldBe("foo bar   baz");
        config.GetString("b").ShouldBe("foobar  baz");
        config.GetString("c").ShouldBe("1 2 3");
        ((HoconScalar)config.Find("d")!).Kind.ShouldBe(HoconScalarKind.Boolean);
        ((HoconScalar)config.Find("e")!).Kind.ShouldBe(HoconScalarKind.String);
        config.GetBoolean("e").ShouldBeTrue();
    }

    [Fact]
    public void Quoted_strings_decode_JSON_escapes_and_triple_quoted_ones_keep_everything()
    {
        var config = Parse("a = \"tab\\there \\u0041 \\\"q\\\" \\\\\"\nb = \"\"\"line one\n  \"quoted\" \\n \"\"\"\nc = \"\"\"x\"\"\"\"\n");

        config.GetString("a").ShouldBe("tab\there A \"q\" \\");
        config.GetString("b").ShouldBe("line one\n  \"quoted\" \\n ");
        config.GetString("c").ShouldBe("x\"");
    }

    [Fact]
    public void Duplicate_keys_merge_objects_and_otherwise_the_later_wins()
    {
        // The spec's example: "foo" : { "a" : 42 }, "foo" : { "b" : 43 } is "foo" : { "a" : 42, "b" : 43 }.
        var config = Parse("""
            foo { a = 42, c = 1 }
            foo { b = 43, c = 2 }
            bar { a = 1 }
            bar = 5
            baz = 5
            baz { a = 1 }
            """);

        (config.GetInt("foo.a"), config.GetInt("foo.b"), config.GetInt("foo.c")).ShouldBe((42, 43, 2));
        config.GetInt("bar").ShouldBe(5);
        config.GetInt("baz.a").ShouldBe(1);
    }

    [Fact]
    public void Substitutions_are_resolved_after_merging_and_null_breaks_a_merge()
    {
        // The spec's examples: bar.baz sees the later bar.foo; an object after a null does not merge with the one before it.
        var config = Parse("""
            bar : { foo : 42, baz : ${bar.foo} }
            bar : { foo : 43 }
            a : { b : 1 }
            a : null
            a : { c : 2 }
            """);

        config.GetInt("bar.baz").ShouldBe(43);
        config.HasPath("a.b").ShouldBeFalse();
        config.GetInt("a.c").ShouldBe(2);
    }

    [Fact]
    public void Windows_line_ends_and_a_byte_order_mark_read_like_plain_new_lines()
    {
        var config = Parse("\uFEFFa = x y\r\nb {\r\n  c = 1\r\n}\r\n");

        (config.GetString("a"), config.GetInt("b.c")).ShouldBe(("x y", 1));
    }

    [Fact]
    public void A_text_read_without_a_file_cannot_include()
    {
        Should.Throw<HoconException>(() => Parse("include \"other.conf\"")).Message
            .ShouldBe("text:1:1: cannot include \"other.conf\": this text was not read from a file, so there is no directory to include from");
    }

    [Fact]
    public void Path_expressions_as_keys_are_nested_objects()
    {
        // The spec: foo.bar.baz : 42 is foo { bar { baz : 42 } }; a quoted key keeps its dot.
        var config = Parse("""
            foo.bar.baz = 42
            foo.bar { qux = 1 }
            "a.b" = 2
            x."y.z".w = 3
            a b c = 4
            """);

        (config.GetInt("foo.bar.baz"), config.GetInt("foo.bar.qux")).ShouldBe((42, 1));
        config.Root["a.b"].ToString().ShouldBe("2");
        config.GetInt("x.\"y.z\".w").ShouldBe(3);
        config.Root.ContainsKey("a b c").ShouldBeTrue();
    }

    [Fact]
    public void Substitutions_refer_to_any_path_of_the_document_earlier_or_later()
    {
        var config = Parse("""
            a = ${b.c}
            b { c = hello, d = ${b.c}" world" }
            e = ${b}
            f = [${a}, x]
            """);

        config.GetString("a").ShouldBe("hello");
        config.GetString("b.d").ShouldBe("hello world");
        config.GetString("e.d").ShouldBe("hello world");
        config.GetStringList("f").ShouldBe(["hello", "x"]);
    }

    [Fact]
    public void A_substitution_no_key_answers_falls_back_to_the_environment_and_an_optional_one_to_nothing()
    {
        var environment = new Dictionary<string, string> { ["HOME"] = "/home/me" };
        var config = Parse("""
            dir = ${HOME}/logs
            port = 5432
            port = ${?PORT}
            name = ${?NAME}
            """, environment);

        config.GetString("dir").ShouldBe("/home/me/logs");
        config.GetInt("port").ShouldBe(5432, "an unset optional substitution leaves the earlier value");
        config.HasPath("name").ShouldBeFalse("an unset optional substitution leaves the key unset");

        var overridden = Parse("port = 5432\nport = ${?PORT}", new Dictionary<string, string> { ["PORT"] = "6000" });
        overridden.GetInt("port").ShouldBe(6000);
    }

    [Fact]
    public void A_self_reference_means_the_earlier_value_and_plus_equals_appends()
    {
        // The spec's examples: path = ${path}":/bin"; bar : { foo : 42, baz : ${bar.foo} } ... a += b.
        var config = Parse("""
            path = "/usr"
            path = ${path}":/bin"
            list = [1]
            list = ${list} [2]
            list += 3
            fresh += x
            obj { a = 1 }
            obj = ${obj} { b = 2 }
            """);

        config.GetString("path").ShouldBe("/usr:/bin");
        config.GetStringList("list").ShouldBe(["1", "2", "3"]);
        config.GetStringList("fresh").ShouldBe(["x"]);
        (config.GetInt("obj.a"), config.GetInt("obj.b")).ShouldBe((1, 2));
    }

    [Fact]
    public void Objects_and_arrays_concatenate()
    {
        var config = Parse("""
            base { a = 1, b = 2 }
            derived = ${base} { b = 3 }
            arrays = [1, 2] [3]
            """);

        (config.GetInt("derived.a"), config.GetInt("derived.b"), config.GetInt("base.b")).ShouldBe((1, 3, 2));
        config.GetStringList("arrays").ShouldBe(["1", "2", "3"]);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500 ms", 500)]
    [InlineData("2 minutes", 120_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("250", 250)]
    [InlineData("\"3 seconds\"", 3_000)]
    public void Durations_read_with_their_units(string written, long milliseconds) =>
        Parse("a = " + written).GetDuration("a").ShouldBe(TimeSpan.FromMilliseconds(milliseconds));

    [Theory]
    [InlineData("1 MiB", 1_048_576)]
    [InlineData("16k", 16_384)]
    [InlineData("10MB", 10_000_000)]
    [InlineData("2 kB", 2_000)]
    [InlineData("512", 512)]
    [InlineData("3 bytes", 3)]
    public void Sizes_read_with_their_units(string written, long bytes) => Parse("a = " + written).GetBytes("a").ShouldBe(bytes);

    [Theory]
    [InlineData("a = 10 parsecs", "GetDuration", "text:1:5: a: expected a duration such as 10s, 500 ms or 2 minutes, not '10 parsecs'")]
    [InlineData("a = 0.3k", "GetBytes", "text:1:5: a: expected a size such as 512, 16k or 1 MiB, not '0.3k'")]
    [InlineData("a = maybe", "GetBoolean", "text:1:5: a: expected a boolean (true, false, yes, no, on, off), not 'maybe'")]
    [InlineData("a { b = 1 }", "GetInt", "text:1:3: a: expected a whole number, not an object")]
    public void A_value_of_the_wrong_kind_is_refused_naming_path_and_position(string text, string accessor, string expected)
    {
        var config = Parse(text);
        var read = typeof(HoconConfig).GetMethod(accessor) ?? throw new InvalidOperationException(accessor);

        var thrown = Should.Throw<System.Reflection.TargetInvocationException>(() => read.Invoke(config, ["a"]));
        thrown.InnerException.ShouldBeOfType<HoconException>().Message.ShouldBe(expected);
    }

    [Theory]
    [InlineData("a = 1\nb = {\n  c = 2\n", "text:4:1: expected '}' to close the object opened at text:2:5")]
    [InlineData("a = [1, 2", "text:1:10: expected ']' to close the array opened at text:1:5")]
    [InlineData("a = \"open", "text:1:10: expected '\"' to close the string opened at text:1:5 (a string on several lines is written \"\"\"...\"\"\")")]
    [InlineData("a = 1\n  b ! 2", "text:2:5: expected '=', ':', '+=' or '{' after the key b, not '!'")]
    [InlineData("a = 1,,\n", "text:1:7: expected a key, not a second ','")]
    [InlineData("a = ${b", "text:1:8: expected '}' to close the substitution opened at text:1:5, not the end of the file")]
    [InlineData("a = ${missing}", "text:1:5: ${missing}: no such setting, and no environment variable missing")]
    [InlineData("a = ${b}\nb = ${a}", "text:1:5: ${b} refers to itself through a cycle of substitutions")]
    [InlineData("a = \"x\\q\"", "text:1:7: expected an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), not '\\q'")]
    [InlineData("a = { b = 1 } x", "text:1:5: cannot concatenate an object (at text:1:5) with a string or a value of another kind")]
    [InlineData("a = $x", "text:1:5: expected '{' after '$' (a substitution is ${path}); quote a string that holds '$'")]
    [InlineData("a = 1 }", "text:1:7: expected a key, not '}': no object is open")]
    [InlineData("a = ", "text:1:5: expected a value, not the end of the file")]
    public void Errors_name_line_column_and_what_was_expected(string text, string expected) =>
        Should.Throw<HoconException>(() => Parse(text)).Message.ShouldBe(expected);

    [Fact]
    public void An_include_reads_a_file_relative_to_the_including_file_and_merges_it_where_it_stands()
    {
        using var files = new TempFiles();
        files.Write("conf/base.conf", "a = 1\nb { c = 2 }\nref = ${a}\n");
        files.Write("conf/sub/extra.conf", "x = 10\ny = ${x}\nz = ${top}");
        var main = files.Write("conf/main.conf", """
            top = from-main
            include "base.conf"
            b { d = 3 }
            a = 5
            nested { include "sub/extra" }
            include "no-such-file.conf"
            """);

        var config = HoconConfig.ParseFile(main, new HoconParseOptions { Environment = NoEnvironment.GetValueOrDefault });

        (config.GetInt("a"), config.GetInt("b.c"), config.GetInt("b.d")).ShouldBe((5, 2, 3));
        config.GetInt("ref").ShouldBe(5, "substitutions resolve against the whole merged document");
        (config.GetInt("nested.x"), config.GetInt("nested.y")).ShouldBe((10, 10), "an included file's substitutions look where it was included first");
        config.GetString("nested.z").ShouldBe("from-main", "and then at the root");
    }

    [Fact]
    public void A_missing_required_include_is_an_error_naming_the_file()
    {
        using var files = new TempFiles();
        var main = files.Write("main.conf", "a = 1\ninclude required(file(\"gone.conf\"))\n");

        var thrown = Should.Throw<HoconException>(() => HoconConfig.ParseFile(main));

        thrown.Message.ShouldBe($"{main}:2:1: included file '{Path.Combine(files.Root, "gone.conf")}' does not exist (include required)");
    }

    [Fact]
    public void An_include_cycle_is_an_error()
    {
        using var files = new TempFiles();
        files.Write("b.conf", "include \"a.conf\"");
        var a = files.Write("a.conf", "include \"b.conf\"");

        Should.Throw<HoconException>(() => HoconConfig.ParseFile(a)).Message.ShouldContain("includes itself");
    }

    [Fact]
    public void An_error_in_an_included_file_names_that_file()
    {
        using var files = new TempFiles();
        var bad = files.Write("bad.conf", "ok = 1\nbroken = [\n");
        var main = files.Write("main.conf", "include \"bad.conf\"");

        Should.Throw<HoconException>(() => HoconConfig.ParseFile(main)).Origin.ShouldBe(new HoconOrigin(bad, 3, 1));
    }

    private static HoconConfig Parse(string text, Dictionary<string, string>? environment = null) =>
        HoconConfig.Parse(text, options: new HoconParseOptions { Environment = (environment ?? NoEnvironment).GetValueOrDefault });
}
