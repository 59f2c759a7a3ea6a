using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ActorTrading.Actors.Benchmarks;

/// <summary>Adds the <see cref="OperationsPerSecondColumn"/> to a benchmark class.</summary>
public sealed class OperationsPerSecondConfig : ManualConfig
{
    public OperationsPerSecondConfig() => AddColumn(new OperationsPerSecondColumn());
}

/// <summary>
/// Operations per second from the mean time per operation (which BenchmarkDotNet has already divided by
/// OperationsPerInvoke): messages per second for Tell, round trips per second for Ask, actors per
/// second for spawn. An aggregate over all the actors of the benchmark, not a per-actor figure.
/// </summary>
public sealed class OperationsPerSecondColumn : IColumn
{
    public string Id => nameof(OperationsPerSecondColumn);

    public string ColumnName => "Ops/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Operations per second, from Mean (messages/s for Tell, round trips/s for Ask, actors/s for spawn)";

    public static double? Of(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics?.Mean is > 0 and var nanoseconds ? 1e9 / nanoseconds : null;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        Of(summary, benchmarkCase)?.ToString("N0", CultureInfo.InvariantCulture) ?? "NA";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
