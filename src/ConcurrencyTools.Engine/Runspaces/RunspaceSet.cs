using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// A fixed set of open runspaces that share one <see cref="ScriptBlockState"/>: the one place the
/// engine runs PowerShell script blocks. <see cref="InvokeEach"/> runs a script block once per item,
/// one item per runspace at a time (a runspace pool of <see cref="Count"/>); <see cref="InvokeTogether"/>
/// runs it once in every runspace, all released at the same instant. Both return only when every
/// invocation has returned or been stopped; a cancelled token stops the running pipelines and surfaces
/// as <see cref="OperationCanceledException"/>. Output and ErrorRecords are collected per invocation,
/// never written anywhere: the caller drains them.
/// </summary>
public sealed class RunspaceSet : IDisposable
{
    // Runs the user's script block in a child scope with the item as $_ and as the first argument.
    // The text is the script block's, created in the runspace that runs it: a ScriptBlock object
    // belongs to the runspace that made it and must not be run on another one.
    // With a holder ($__ctTimes, see ItemTimes) it also records, on the thread that runs the block and around
    // the block alone (not the compiling of the script block or the set-up of this pipeline), the wall clock,
    // Linux's /proc/thread-self/schedstat (CPU and runnable wait for a core, in nanoseconds) and the time the
    // JIT compiler spent on this thread. The CPU comes from the thread's CPU clock (ItemClock) where this assembly is
    // loaded (schedstat's CPU field lags up to a scheduler tick; see ItemClock), and from schedstat elsewhere (a
    // pwsh child, a job). The wall clock is read first at the start and last at the end, so that the CPU of the
    // readings themselves lies inside the wall time.
    internal const string Driver = """
        param($__ctScript, $__ctItem, $__ctArguments, $__ctBarrier, $__ctToken, $__ctTimes)
        $__ctBlock = [scriptblock]::Create($__ctScript)
        if ($null -ne $__ctBarrier) { $__ctBarrier.SignalAndWait($__ctToken) }
        if ($null -ne $__ctTimes) {
            $__ctTimes[3] = [System.IO.FileInfo]::new('/proc/thread-self').LinkTarget.Split('/')[-1]
            $__ctClock = 'ConcurrencyTools.Engine.Runspaces.ItemClock' -as [type]
            if ($__ctClock -and $__ctClock::ThreadCpuNanoseconds() -ge 0) { $__ctTimes[9] = 1 } else { $__ctClock = $null }
            $__ctTimes[0] = [System.Diagnostics.Stopwatch]::GetTimestamp()
            $__ctStat = [System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')
            $__ctTimes[1] = if ($__ctClock) { $__ctClock::ThreadCpuNanoseconds() } else { $__ctStat[0] }
            $__ctTimes[2] = $__ctStat[1]
            $__ctTimes[7] = [System.Runtime.JitInfo]::GetCompilationTime($true).Ticks
        }
        ,$__ctItem | & { process { & $__ctBlock $_ @__ctArguments } }
        if ($null -ne $__ctTimes) {
            $__ctStat = [System.IO.File]::ReadAllText('/proc/thread-self/schedstat').Split(' ')
            $__ctTimes[5] = if ($__ctClock) { $__ctClock::ThreadCpuNanoseconds() } else { $__ctStat[0] }
            $__ctTimes[6] = $__ctStat[1]
            $__ctTimes[8] = [System.Runtime.JitInfo]::GetCompilationTime($true).Ticks
            $__ctTimes[4] = [System.Diagnostics.Stopwatch]::GetTimestamp()
        }
        """;

    private const string ModulePathVariable = "PSModulePath";

    private readonly Runspace[] _runspaces;
    private readonly object?[] _arguments;
    private int _disposed;

    private RunspaceSet(ScriptBlockState state, Runspace[] runspaces, TimeSpan openElapsed)
    {
        State = state;
        _runspaces = runspaces;
        _arguments = [.. state.ArgumentList];
        OpenElapsed = openElapsed;
    }

    /// <summary>The state every runspace was opened with.</summary>
    public ScriptBlockState State { get; }

    /// <summary>How many runspaces the set holds: at most this many invocations run at once.</summary>
    public int Count => _runspaces.Length;

    /// <summary>Wall-clock time to create and open every runspace, modules imported: the set-up cost.</summary>
    public TimeSpan OpenElapsed { get; }

    /// <summary>
    /// Opens <paramref name="count"/> runspaces at once, each on its own thread, with
    /// <paramref name="state"/>. A module that cannot be imported fails the open; every runspace
    /// opened so far is closed before the exception leaves.
    /// </summary>
    public static RunspaceSet Open(ScriptBlockState state, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentRange.Check(nameof(count), count, 1, 1024);
        cancellationToken.ThrowIfCancellationRequested();

        var runspaces = new Runspace?[count];
        var errors = new Exception?[count];

        // pwsh adds its default module paths to the process's PSModulePath when a runspace opens;
        // the caller's choice of module path (a module deliberately out of reach) is put back after.
        string? modulePath = Environment.GetEnvironmentVariable(ModulePathVariable);
        long started = Stopwatch.GetTimestamp();
        ExecutionModel.RunOnThreads(count, "Runspace open", i =>
        {
            try
            {
                Runspace runspace = RunspaceFactory.CreateRunspace(state.CreateInitialSessionState());
                runspaces[i] = runspace;
                runspace.Open();
            }
            catch (Exception error)
            {
                errors[i] = error;
            }
        });
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        Environment.SetEnvironmentVariable(ModulePathVariable, modulePath);

        Exception? failure = Array.Find(errors, e => e is not null);
        if (failure is not null || cancellationToken.IsCancellationRequested)
        {
            foreach (Runspace? runspace in runspaces)
            {
                runspace?.Dispose();
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw failure!;
        }

        return new RunspaceSet(state, runspaces!, elapsed);
    }

    /// <summary>
    /// Runs <paramref name="script"/> once per item, at most <see cref="Count"/> at a time, each
    /// runspace taking the next item when it is free. Results come back in item order;
    /// <paramref name="completed"/> hears of each as it finishes (from a worker thread).
    /// </summary>
    /// <exception cref="ParseException">The script does not parse.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; every pipeline was stopped first.</exception>
    public IReadOnlyList<ScriptTaskResult> InvokeEach(string script, IReadOnlyList<object?> items, CancellationToken cancellationToken, IProgress<ScriptTaskResult>? completed = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        CheckUsable(script, cancellationToken);

        var results = new ScriptTaskResult[items.Count];
        int next = -1;
        ExecutionModel.RunOnThreads(Math.Min(Count, Math.Max(items.Count, 1)), "Runspace worker", worker =>
        {
            // The index is taken inside the loop, not in its condition, so that every mutant of the condition compiles.
            while (!cancellationToken.IsCancellationRequested)
            {
                int index = Interlocked.Increment(ref next);
                if (index >= items.Count)
                {
                    return;
                }

                ScriptTaskResult? result = Invoke(worker, index, script, items[index], barrier: null, cancellationToken);
                if (result is null)
                {
                    return;
                }

                results[index] = result;
                completed?.Report(result);
            }
        });

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>
    /// Runs <paramref name="script"/> once in every runspace at the same instant: each runspace
    /// waits at a barrier until all are ready, then all start together, with <paramref name="input"/>
    /// (a shared object, say) as <c>$_</c> and first argument. Results come back in runspace order.
    /// </summary>
    /// <exception cref="ParseException">The script does not parse.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; every pipeline was stopped first.</exception>
    public IReadOnlyList<ScriptTaskResult> InvokeTogether(string script, object? input, CancellationToken cancellationToken)
    {
        CheckUsable(script, cancellationToken);

        var results = new ScriptTaskResult[Count];
        using var barrier = new Barrier(Count);
        // A runspace that fails before the barrier must not leave the others waiting for it.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ExecutionModel.RunOnThreads(Count, "Runspace worker", worker =>
        {
            ScriptTaskResult? result = Invoke(worker, worker, script, input, barrier, cancellationToken, abandon.Token);
            if (result is not null)
            {
                results[worker] = result;
                if (result.Failed && barrier.CurrentPhaseNumber == 0)
                {
                    abandon.Cancel();
                }
            }
        });

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Closes every runspace; a pipeline still running in one is stopped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (Runspace runspace in _runspaces)
        {
            runspace.Dispose();
        }
    }

    /// <summary>Runs one invocation on runspace <paramref name="worker"/>; null when it was stopped by the token.</summary>
    private ScriptTaskResult? Invoke(int worker, int index, string script, object? item, Barrier? barrier, CancellationToken cancellationToken, CancellationToken barrierToken = default)
    {
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = _runspaces[worker];
        double[]? times = ItemTimes.Create();
        shell.AddScript(Driver, useLocalScope: true)
            .AddArgument(script)
            .AddArgument(item)
            .AddArgument(_arguments)
            .AddArgument(barrier)
            .AddArgument(barrierToken)
            .AddArgument(times);

        var errors = new List<ErrorRecord>();
        IReadOnlyList<PSObject> output = Array.Empty<PSObject>();
        bool failed = false;
        long started = Stopwatch.GetTimestamp();
        try
        {
            IAsyncResult pending = shell.BeginInvoke();
            if (WaitHandle.WaitAny([pending.AsyncWaitHandle, cancellationToken.WaitHandle]) == 1)
            {
                shell.Stop();
            }

            output = [.. shell.EndInvoke(pending)];
        }
        catch (Exception error) when (cancellationToken.IsCancellationRequested)
        {
            _ = error;
            return null;
        }
        catch (RuntimeException error)
        {
            failed = true;
            errors.Add(error.ErrorRecord);
        }
        catch (Exception error)
        {
            failed = true;
            errors.Add(new ErrorRecord(error, "ScriptBlockFailed", ErrorCategory.NotSpecified, item));
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        // Non-terminating errors came first; the terminating one, if any, ends the list.
        errors.InsertRange(0, shell.Streams.Error.ReadAll());
        ItemTimes.Figures? measured = ItemTimes.Read(times);
        return new ScriptTaskResult(index, item, worker, output, errors, failed, elapsed)
        {
            TaskCpuMs = measured?.CpuMs,
            TaskWallMs = measured?.WallMs,
            TaskRunWaitMs = measured?.RunWaitMs,
        };
    }

    private void CheckUsable(string script, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Parse errors are the caller's mistake, reported once rather than once per item.
        _ = ScriptBlock.Create(script);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
