namespace ActorTrading.Actors.Tests;

public sealed class SelectionSpecs : TestKitBase
{
    [Fact]
    public async Task Selections_resolve_absolute_relative_and_wildcard_paths()
    {
        var parent = Sys.ActorOf(Props.Create(() => new ParentOfTwo()), "parent");
        (await parent.Ask<string>("ready?", TimeSpan.FromSeconds(3))).ShouldBe("ready");

        var one = await Sys.ActorSelection("/user/parent/one").ResolveOne(TimeSpan.FromSeconds(1));
        one.Path.ToStringWithoutAddress().ShouldBe("/user/parent/one");
        (await Sys.ActorSelection($"akka://{Sys.Name}/user/parent/two").ResolveOne(TimeSpan.FromSeconds(1))).Path.Name.ShouldBe("two");

        Sys.ActorSelection("/user/parent/*").Tell("hello", TestActor.Ref);
        (await TestActor.ReceiveNAsync<string>(2)).ShouldBe(["hello", "hello"]);

        // Relative to an actor: its sibling.
        one.Tell("ask sibling", TestActor.Ref);
        await ExpectMsgAsync("two");

        await Should.ThrowAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/parent/three").ResolveOne(TimeSpan.FromSeconds(1)));
    }

    private sealed class ParentOfTwo : ReceiveActor
    {
        public ParentOfTwo()
        {
            Context.ActorOf(Props.Create(() => new Named()), "one");
            Context.ActorOf(Props.Create(() => new Named()), "two");
            Receive<string>(_ => Sender.Tell("ready", Self));
        }
    }

    private sealed class Named : ReceiveActor
    {
        public Named()
        {
            Receive<string>(s => s == "ask sibling", _ =>
            {
                var replyTo = Sender;
                Context.ActorSelection("../two").ResolveOne(TimeSpan.FromSeconds(1)).Result.Tell("name?", replyTo);
            });
            Receive<string>(s => s == "name?", _ => Sender.Tell(Self.Path.Name, Self));
            Receive<string>(s => Sender.Tell(s, Self));
        }
    }
}
