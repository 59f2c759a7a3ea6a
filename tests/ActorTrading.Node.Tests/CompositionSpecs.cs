using System.Reflection;
using ActorTrading.Node.Api;
using Microsoft.AspNetCore.Routing;

namespace ActorTrading.Node.Tests;

/// <summary>The node is composed through DI: a handler takes by parameter the typed services it uses, never the whole runtime
/// nor a service provider to look them up.</summary>
public sealed class CompositionSpecs : InProcessNodeSpecs
{
    [Fact]
    public void No_endpoint_takes_the_whole_runtime_or_a_service_provider()
    {
        var handlers = ((IEndpointRouteBuilder)App).DataSources.SelectMany(source => source.Endpoints)
            .Select(endpoint => (Name: endpoint.DisplayName ?? "?", Method: endpoint.Metadata.GetMetadata<MethodInfo>()))
            .Where(handler => handler.Method is not null).ToList();
        handlers.Count.ShouldBeGreaterThan(15, "every endpoint's handler is seen");

        foreach (var (name, method) in handlers)
        {
            method?.GetParameters().Select(parameter => parameter.ParameterType).ShouldNotContain(type => type == typeof(NodeRuntime) || type == typeof(IServiceProvider), name);
        }

        typeof(TokenAuthentication).GetConstructors().SelectMany(constructor => constructor.GetParameters()).Select(parameter => parameter.ParameterType)
            .ShouldNotContain(typeof(NodeRuntime));
    }
}
