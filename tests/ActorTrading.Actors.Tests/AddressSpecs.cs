namespace ActorTrading.Actors.Tests;

public sealed class AddressSpecs : TestKitBase
{
    [Theory]
    [InlineData("akka.tcp://actortrading@127.0.0.1:5001")]
    [InlineData("akka://actortrading")]
    [InlineData("akka.tcp://actortrading@node-1.example")]
    [InlineData("akka.tcp://actortrading@[::1]:5001")]
    public void Addresses_print_as_they_are_parsed(string text)
    {
        var address = Address.Parse(text);
        address.ToString().ShouldBe(text);
        Address.Parse(address.ToString()).ShouldBe(address);
    }

    [Fact]
    public void An_address_with_a_host_has_global_scope_and_equals_the_same_parts()
    {
        var remote = Address.Parse("akka.tcp://actortrading@127.0.0.1:5001");
        remote.ShouldBe(new Address("akka.tcp", "actortrading", "127.0.0.1", 5001));
        remote.HasGlobalScope.ShouldBeTrue();
        remote.ShouldNotBe(new Address("akka.tcp", "actortrading", "127.0.0.1", 5002));
        Address.Local("actortrading").HasGlobalScope.ShouldBeFalse();
        Address.Local("actortrading").ShouldBe(Address.Parse("akka://actortrading"));
    }

    [Theory]
    [InlineData("actortrading@127.0.0.1:5001", "has no protocol")]
    [InlineData("://actortrading", "protocol is empty")]
    [InlineData("akka.tcp://@127.0.0.1:5001", "system name is empty")]
    [InlineData("akka.tcp://actor trading@127.0.0.1:5001", "system name 'actor trading'")]
    [InlineData("akka.tcp://actortrading@:5001", "host is empty")]
    [InlineData("akka.tcp://actortrading@127.0.0.1:http", "port 'http'")]
    [InlineData("akka.tcp://actortrading@127.0.0.1:70000", "port '70000'")]
    [InlineData("akka.tcp://actortrading@127.0.0.1:5001/user/a", "has a path '/user/a'")]
    public void A_malformed_address_is_refused_naming_the_part(string text, string problem)
    {
        var error = Should.Throw<FormatException>(() => Address.Parse(text));
        error.Message.ShouldContain(problem);
        error.Message.ShouldContain(text);
        Address.TryParse(text, out var parsed).ShouldBeFalse();
        parsed.ShouldBeNull();
    }

    [Fact]
    public void Full_paths_parse_with_address_elements_and_uid_and_print_back()
    {
        var path = ActorPath.Parse("akka.tcp://actortrading@127.0.0.1:5001/user/a/b#42");
        path.Address.ShouldBe(new Address("akka.tcp", "actortrading", "127.0.0.1", 5001));
        path.Elements.ShouldBe(["user", "a", "b"]);
        path.Uid.ShouldBe(42);
        path.Name.ShouldBe("b");
        path.ToString().ShouldBe("akka.tcp://actortrading@127.0.0.1:5001/user/a/b");
        path.ToSerializationFormat().ShouldBe("akka.tcp://actortrading@127.0.0.1:5001/user/a/b#42");
        path.ToStringWithoutAddress().ShouldBe("/user/a/b");
        ActorPath.Parse(path.ToSerializationFormat()).ShouldBe(path);
        ActorPath.Parse("akka://actortrading/").Elements.ShouldBeEmpty();
        ActorPath.Parse("akka://actortrading/").ToString().ShouldBe("akka://actortrading/");
    }

    [Fact]
    public void A_local_path_prints_with_a_given_address_and_a_global_one_keeps_its_own()
    {
        var node = Address.Parse("akka.tcp://actortrading@127.0.0.1:5001");
        ActorPath.Parse("akka://actortrading/user/a").ToStringWithAddress(node).ShouldBe("akka.tcp://actortrading@127.0.0.1:5001/user/a");
        ActorPath.Parse("akka.tcp://actortrading@10.0.0.2:5001/user/a").ToStringWithAddress(node).ShouldBe("akka.tcp://actortrading@10.0.0.2:5001/user/a");
        ActorPath.Parse("akka://actortrading/user/a").ShouldNotBe(ActorPath.Parse("akka.tcp://actortrading@127.0.0.1:5001/user/a"));
    }

    [Theory]
    [InlineData("/user/a", "has no protocol")]
    [InlineData("akka://actortrading/user/a#x", "uid 'x'")]
    [InlineData("akka://actortrading/user//a", "empty element")]
    public void A_malformed_path_is_refused_naming_the_problem(string text, string problem)
    {
        var error = Should.Throw<FormatException>(() => ActorPath.Parse(text));
        error.Message.ShouldContain(problem);
        ActorPath.TryParse(text, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task A_system_is_local_by_default_and_takes_its_address_from_the_settings()
    {
        Sys.Address.ShouldBe(Address.Local(Sys.Name));
        Sys.Provider.RootPath.ShouldBe(new ActorPath(Sys.Address, []));
        var address = new Address(Address.TcpProtocol, "node", "127.0.0.1", 5001);
        await using var node = ActorSystem.Create("node", new ActorSystemSettings { Address = address });
        node.Address.ShouldBe(address);
        node.ActorOf(Props.Create(() => new Echo()), "echo").Path.ToString().ShouldBe("akka.tcp://node@127.0.0.1:5001/user/echo");
        Should.Throw<ArgumentException>(() => ActorSystem.Create("other", new ActorSystemSettings { Address = address })).Message.ShouldContain("Address");
    }

    [Fact]
    public async Task The_provider_resolves_a_local_path_to_its_live_actor_and_an_ask_reply_address_to_the_ask()
    {
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        Sys.Provider.ResolveActorRef(echo.Path.ToSerializationFormat()).ShouldBeSameAs(echo);
        Sys.Provider.ResolveActorRef(ActorPath.Parse($"akka://{Sys.Name}/user/echo")).ShouldBeSameAs(echo);

        // The ask's temporary ref, as a reply address crossing a wire would name it.
        var forwarder = Sys.ActorOf(Props.Create(() => new ReplyByPath()), "by-path");
        (await forwarder.Ask<string>("hello", TimeSpan.FromSeconds(3))).ShouldBe("hello");
    }

    [Fact]
    public async Task The_provider_resolves_a_path_to_no_live_actor_to_a_ref_whose_messages_are_dead_letters()
    {
        var deadLetters = CaptureDeadLetters();
        var echo = Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        var stale = echo.Path with { Uid = echo.Path.Uid + 1 };
        var resolved = Sys.Provider.ResolveActorRef(stale);
        resolved.ShouldNotBeSameAs(echo);
        resolved.Path.ShouldBe(stale);
        resolved.Tell("to the previous incarnation", TestActor.Ref);
        (await deadLetters.ExpectMsgAsync<DeadLetter>()).Recipient.Path.ShouldBe(stale);

        Sys.Provider.ResolveActorRef(ActorPath.Parse($"akka://{Sys.Name}/user/nobody")).Tell("to nobody", TestActor.Ref);
        (await deadLetters.ExpectMsgAsync<DeadLetter>()).Message.ShouldBe("to nobody");
    }

    [Fact]
    public void The_local_provider_refuses_a_path_of_another_address_naming_it()
    {
        var error = Should.Throw<UnknownAddressException>(() => Sys.Provider.ResolveActorRef($"akka.tcp://{Sys.Name}@10.0.0.2:5001/user/echo"));
        error.Message.ShouldContain($"akka.tcp://{Sys.Name}@10.0.0.2:5001");
        error.Message.ShouldContain($"akka://{Sys.Name}");
        Should.Throw<UnknownAddressException>(() => Sys.Provider.ResolveActorRef("akka://another-system/user/echo"));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => Receive<string>(s => Sender.Tell(s, Self));
    }

    /// <summary>Replies through the provider, from the sender's serialized path, as a remote node would.</summary>
    private sealed class ReplyByPath : ReceiveActor
    {
        public ReplyByPath() => Receive<string>(s => Context.System.Provider.ResolveActorRef(Sender.Path.ToSerializationFormat()).Tell(s, Self));
    }
}
