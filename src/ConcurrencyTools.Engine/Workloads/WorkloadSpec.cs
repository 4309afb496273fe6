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

    /// <summary>Default iterations per Cpu task (about 0.1 s on a current core).</summary>
    public const long DefaultIterations = 50_000_000;

    /// <summary>Default wait per Io task.</summary>
    public const int DefaultDurationMs = 100;

    /// <summary>Largest accepted task count.</summary>
    public const int MaxTasks = 1_000_000;

    /// <summary>Largest accepted iterations per task.</summary>
    public const long MaxIterations = 1_000_000_000_000;

    /// <summary>Largest accepted wait per task (one hour).</summary>
    public const int MaxDurationMs = 3_600_000;

    /// <summary>Creates a spec and validates it.</summary>
    public WorkloadSpec(WorkloadKind kind, int tasks = DefaultTasks, long iterations = DefaultIterations, int durationMs = DefaultDurationMs)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Workload '{kind}' is not a known workload.");
        }

        Check(nameof(Tasks), tasks, 1, MaxTasks);
        Check(nameof(Iterations), iterations, 1, MaxIterations);
        Check("DurationMs", durationMs, 0, MaxDurationMs);
        Kind = kind;
        Tasks = tasks;
        Iterations = iterations;
        DurationMs = durationMs;
    }

    /// <summary>The workload.</summary>
    public WorkloadKind Kind { get; }

    /// <summary>Number of tasks in the task list.</summary>
    public int Tasks { get; }

    /// <summary>Iterations per task of CPU work.</summary>
    public long Iterations { get; }

    /// <summary>Milliseconds of waiting per task of I/O work.</summary>
    public int DurationMs { get; }

    /// <summary>The size of one task as a short text, e.g. <c>Iterations=20000000</c>; part of a configuration's identity.</summary>
    public string TaskSize => Kind switch
    {
        WorkloadKind.Cpu => "Iterations=" + Iterations.ToString(CultureInfo.InvariantCulture),
        WorkloadKind.Io => "DurationMs=" + DurationMs.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>A copy with another task count (same size per task).</summary>
    public WorkloadSpec WithTasks(int tasks) => new(Kind, tasks, Iterations, DurationMs);

    /// <summary>The command-line form understood by <see cref="Parse"/>, used to start worker processes.</summary>
    public IReadOnlyList<string> ToArguments() => new[]
    {
        "--workload", Kind.ToString(),
        "--tasks", Tasks.ToString(CultureInfo.InvariantCulture),
        "--iterations", Iterations.ToString(CultureInfo.InvariantCulture),
        "--duration-ms", DurationMs.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the form written by <see cref="ToArguments"/>.</summary>
    public static WorkloadSpec Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        WorkloadKind? kind = null;
        int tasks = DefaultTasks;
        long iterations = DefaultIterations;
        int durationMs = DefaultDurationMs;
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
                default:
                    throw new FormatException($"Unknown argument '{name}'.");
            }
        }

        return new WorkloadSpec(kind ?? throw new FormatException("Missing --workload."), tasks, iterations, durationMs);
    }

    private static void Check(string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}; {value} is not.");
        }
    }
}
