using System;
using System.Collections.Generic;
using System.Globalization;

namespace ConcurrencyTools.Engine.Workloads;

/// <summary>
/// A workload and its size: everything needed to build the same task list in this process or in a
/// worker process. Task <c>i</c> is fully determined by the spec and <c>i</c>.
/// </summary>
public sealed class WorkloadSpec
{
    /// <summary>Default number of tasks.</summary>
    public const int DefaultTasks = 8;

    /// <summary>Default iterations per Cpu or Mixed task (about 0.1 s on a current core).</summary>
    public const long DefaultIterations = 50_000_000;

    /// <summary>Default numbers appended per Memory task (80 MB of longs, more while the list grows).</summary>
    public const long DefaultMemoryIterations = 5_000_000;

    /// <summary>Default wait per Io or Mixed task.</summary>
    public const int DefaultDurationMs = 100;

    /// <summary>Default share of a Mixed task spent computing.</summary>
    public const double DefaultCpuFraction = 0.5;

    /// <summary>Default Fibonacci depth of a Recursive task (about 2.2 million calls).</summary>
    public const int DefaultDepth = 30;

    /// <summary>Largest accepted task count.</summary>
    public const int MaxTasks = 1_000_000;

    /// <summary>Largest accepted iterations per task.</summary>
    public const long MaxIterations = 1_000_000_000_000;

    /// <summary>Largest accepted numbers per Memory task (2^27 longs: 1 GiB).</summary>
    public const long MaxMemoryIterations = 1L << 27;

    /// <summary>Largest accepted wait per task (one hour).</summary>
    public const int MaxDurationMs = 3_600_000;

    /// <summary>Largest accepted Fibonacci depth.</summary>
    public const int MaxDepth = 50;

    /// <summary>Creates a spec and validates it; sizes left null take the workload's default.</summary>
    public WorkloadSpec(
        WorkloadKind kind,
        int tasks = DefaultTasks,
        long? iterations = null,
        int durationMs = DefaultDurationMs,
        double cpuFraction = DefaultCpuFraction,
        int depth = DefaultDepth)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException("Workload", kind, $"Workload '{kind}' is not a known workload.");
        }

        long iterationCount = iterations ?? (kind == WorkloadKind.Memory ? DefaultMemoryIterations : DefaultIterations);
        ArgumentRange.Check(nameof(Tasks), tasks, 1, MaxTasks);
        ArgumentRange.Check(nameof(Iterations), iterationCount, 1, kind == WorkloadKind.Memory ? MaxMemoryIterations : MaxIterations);
        ArgumentRange.Check(nameof(DurationMs), durationMs, 0, MaxDurationMs);
        ArgumentRange.Check(nameof(Depth), depth, 1, MaxDepth);
        ArgumentRange.Check(nameof(CpuFraction), cpuFraction, 0.0, 1.0);

        Kind = kind;
        Tasks = tasks;
        Iterations = iterationCount;
        DurationMs = durationMs;
        CpuFraction = cpuFraction;
        Depth = depth;
    }

    /// <summary>The workload.</summary>
    public WorkloadKind Kind { get; }

    /// <summary>Number of tasks in the task list.</summary>
    public int Tasks { get; }

    /// <summary>Iterations per task: loop iterations (Cpu, Mixed at CpuFraction 1) or numbers appended (Memory).</summary>
    public long Iterations { get; }

    /// <summary>Milliseconds of waiting per task (Io; Mixed at CpuFraction 0).</summary>
    public int DurationMs { get; }

    /// <summary>Mixed: the share of each task that computes; the rest of it waits.</summary>
    public double CpuFraction { get; }

    /// <summary>Recursive: the Fibonacci number each task computes naively.</summary>
    public int Depth { get; }

    /// <summary>True for the empty tasks that measure a model's own overhead.</summary>
    public bool IsEmpty { get; private init; }

    /// <summary>Mixed: iterations of the computing part of a task.</summary>
    public long MixedIterations => (long)Math.Round(Iterations * CpuFraction);

    /// <summary>Mixed: milliseconds of the waiting part of a task.</summary>
    public int MixedDurationMs => (int)Math.Round(DurationMs * (1 - CpuFraction));

    /// <summary>The size of one task as a short text, e.g. <c>Iterations=20000000</c>; part of a configuration's identity.</summary>
    public string TaskSize => IsEmpty ? "Empty" : Kind switch
    {
        WorkloadKind.Cpu or WorkloadKind.Memory => Invariant($"Iterations={Iterations}"),
        WorkloadKind.Io => Invariant($"DurationMs={DurationMs}"),
        WorkloadKind.Mixed => Invariant($"Iterations={Iterations};DurationMs={DurationMs};CpuFraction={CpuFraction}"),
        WorkloadKind.Recursive => Invariant($"Depth={Depth}"),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The same task count with tasks that do nothing: what is left is the model's own cost.</summary>
    public WorkloadSpec AsEmpty() => new(Kind, Tasks, Iterations, DurationMs, CpuFraction, Depth) { IsEmpty = true };

    /// <summary>The command-line form understood by <see cref="Parse"/>, used to start worker processes.</summary>
    public IReadOnlyList<string> ToArguments() => new[]
    {
        "--workload", Kind.ToString(),
        "--tasks", Invariant($"{Tasks}"),
        "--iterations", Invariant($"{Iterations}"),
        "--duration-ms", Invariant($"{DurationMs}"),
        "--cpu-fraction", CpuFraction.ToString("R", CultureInfo.InvariantCulture),
        "--depth", Invariant($"{Depth}"),
        "--empty", IsEmpty ? "true" : "false",
    };

    /// <summary>Reads the form written by <see cref="ToArguments"/>.</summary>
    public static WorkloadSpec Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        WorkloadKind? kind = null;
        int tasks = DefaultTasks;
        long? iterations = null;
        int durationMs = DefaultDurationMs;
        double cpuFraction = DefaultCpuFraction;
        int depth = DefaultDepth;
        bool empty = false;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new FormatException($"Argument '{name}' has no value.");
            }

            string value = args[++i];
            switch (name)
            {
                case "--workload":
                    kind = Enum.Parse<WorkloadKind>(value, ignoreCase: true);
                    break;
                case "--tasks":
                    tasks = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--iterations":
                    iterations = long.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--duration-ms":
                    durationMs = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--cpu-fraction":
                    cpuFraction = double.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--depth":
                    depth = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--empty":
                    empty = bool.Parse(value);
                    break;
                default:
                    throw new FormatException($"Unknown argument '{name}'.");
            }
        }

        var spec = new WorkloadSpec(kind ?? throw new FormatException("Missing --workload."), tasks, iterations, durationMs, cpuFraction, depth);
        return empty ? spec.AsEmpty() : spec;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
