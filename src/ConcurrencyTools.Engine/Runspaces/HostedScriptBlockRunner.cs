using System;
using System.Collections;
using System.Linq;
using System.Threading;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// ForEachParallel, ThreadJob and Jobs: the cmdlets themselves, called from a runspace of the engine's
/// (opened once, not timed: a user calls them from the session they already have). Each item runs in
/// <see cref="ScriptTaskWrapper"/>, which imports the modules and sets the variables in whatever
/// runspace or process the primitive gives it. Stopping the driver stops ForEach-Object; its finally
/// block stops and removes every job.
/// </summary>
internal sealed class HostedScriptBlockRunner : ScriptBlockRunner
{
    private const string ForEachParallelDriver = """
        param($p)
        $__ctWrapper = $p.Wrapper; $__ctScript = $p.Script; $__ctArguments = $p.Arguments
        $__ctModules = $p.Modules; $__ctVariables = $p.Variables
        $p.Pairs | ForEach-Object -ThrottleLimit $p.Workers -Parallel {
            & ([scriptblock]::Create($using:__ctWrapper)) $using:__ctScript $_[0] $_[1] $using:__ctArguments $using:__ctModules $using:__ctVariables $false
        }
        """;

    private const string ThreadJobDriver = """
        param($p)
        $wrapper = [scriptblock]::Create($p.Wrapper)
        $jobs = [System.Collections.Generic.List[object]]::new()
        try {
            foreach ($pair in $p.Pairs) {
                $jobs.Add((Start-ThreadJob -ThrottleLimit $p.Workers -ScriptBlock $wrapper -ArgumentList $p.Script, $pair[0], $pair[1], $p.Arguments, $p.Modules, $p.Variables, $false))
            }
            $jobs | Receive-Job -Wait
        } finally {
            if ($jobs.Count) { $jobs | Remove-Job -Force }
        }
        """;

    // Start-Job has no throttle: at most Workers jobs run, the next starts when one ends.
    private const string JobsDriver = """
        param($p)
        $wrapper = [scriptblock]::Create($p.Wrapper)
        $jobs = [System.Collections.Generic.List[object]]::new()
        try {
            foreach ($pair in $p.Pairs) {
                $running = @($jobs | Where-Object State -in 'NotStarted', 'Running')
                if ($running.Count -ge $p.Workers) { $null = Wait-Job -Job $running -Any }
                $jobs.Add((Start-Job -ScriptBlock $wrapper -ArgumentList $p.Script, $pair[0], $pair[1], $p.Arguments, $p.Modules, $p.Variables, $true))
            }
            $jobs | Receive-Job -Wait
        } finally {
            if ($jobs.Count) { $jobs | Remove-Job -Force }
        }
        """;

    private RunspaceSet? _host;
    private string? _skipped;

    public HostedScriptBlockRunner(ConcurrencyModel model) => Model = model;

    public override ConcurrencyModel Model { get; }

    protected override bool OutOfProcess => Model == ConcurrencyModel.Jobs;

    protected override void RunCore(ScriptTaskList list, string script, int workers, ScriptBlockRun run, long started, CancellationToken cancellationToken)
    {
        RunspaceSet host = Host(cancellationToken);
        if (_skipped is not null)
        {
            run.Skipped = _skipped;
            return;
        }

        var payload = new Hashtable
        {
            ["Wrapper"] = ScriptTaskWrapper.Text,
            ["Script"] = script,
            ["Pairs"] = list.Items.Select((item, index) => new object?[] { index, item }).ToArray(),
            ["Arguments"] = list.State.ArgumentList.ToArray(),
            ["Modules"] = list.State.Modules.Count == 0 ? null : list.State.Modules.ToArray(),
            ["Variables"] = list.State.Variables.Count == 0 ? null : new Hashtable(list.State.Variables.ToDictionary(v => v.Key, v => v.Value)),
            ["Workers"] = workers,
        };

        string driver = Model switch
        {
            ConcurrencyModel.ForEachParallel => ForEachParallelDriver,
            ConcurrencyModel.ThreadJob => ThreadJobDriver,
            _ => JobsDriver,
        };
        ScriptTaskResult result = host.InvokeEach(driver, new object?[] { payload }, cancellationToken)[0];
        foreach (var output in result.Output)
        {
            if (ScriptTaskRecord.From(output) is { } record)
            {
                run.Records.Add(record);
            }
        }

        run.RunErrors.AddRange(result.Errors);
        run.Startup = UntilFirstStart(run, started);
    }

    public override void Dispose() => _host?.Dispose();

    /// <summary>The runspace the cmdlets are called from; for ThreadJob, also whether Start-ThreadJob exists here.</summary>
    private RunspaceSet Host(CancellationToken cancellationToken)
    {
        if (_host is null)
        {
            _host = RunspaceSet.Open(ScriptBlockState.Empty, 1, cancellationToken);
            if (Model == ConcurrencyModel.ThreadJob)
            {
                const string Probe = "[bool](Get-Command -Name Start-ThreadJob -CommandType Cmdlet, Function -ErrorAction Ignore)";
                bool available = _host.InvokeEach(Probe, new object?[] { null }, cancellationToken)[0].Output.Any(o => o.BaseObject is true);
                _skipped = available
                    ? null
                    : "Skipped: Start-ThreadJob is not available (the Microsoft.PowerShell.ThreadJob module is not installed on any path of $env:PSModulePath); Install-Module Microsoft.PowerShell.ThreadJob to measure this model.";
            }
        }

        return _host;
    }
}
