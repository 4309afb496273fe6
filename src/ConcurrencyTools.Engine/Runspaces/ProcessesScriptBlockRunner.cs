using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// A <see cref="WorkerPool"/> of Workers <c>pwsh -NoProfile</c> children, each importing the modules and setting the
/// variables once, then taking items from the parent one at a time over its standard input (CliXml,
/// base64, one line each). Start-up ends when every child is ready. Lines a script block writes to the
/// console itself (Write-Host) are not the protocol's and are ignored.
/// </summary>
internal sealed class ProcessesScriptBlockRunner : ScriptBlockRunner
{
    private const string Marker = "#CT# ";

    // The engine's ParentPipe reads the requests, so that a child whose parent is gone (killed even) ends at
    // once, also in the middle of an item. __CT_ENGINE__ is the engine assembly's path.
    private const string ChildLoop = """
        $ProgressPreference = 'SilentlyContinue'
        Add-Type -LiteralPath __CT_ENGINE__
        $__ctPipe = [ConcurrencyTools.Engine.Processes.ParentPipe]::ForStandardInput()
        function __ctRead { $l = $__ctPipe.ReadLine(); if ($null -eq $l) { return $null }; return ,[System.Management.Automation.PSSerializer]::Deserialize([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($l))) }
        function __ctWrite($o) { [Console]::Out.WriteLine('#CT# ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([System.Management.Automation.PSSerializer]::Serialize($o, 3)))); [Console]::Out.Flush() }
        $__ctSetup = __ctRead
        try {
            if ($__ctSetup.Modules) { Import-Module -Name $__ctSetup.Modules -ErrorAction Stop }
            if ($__ctSetup.Variables) { foreach ($__ctName in @($__ctSetup.Variables.Keys)) { Set-Variable -Name $__ctName -Value $__ctSetup.Variables[$__ctName] -Scope Global } }
        } catch {
            __ctWrite ('failed: ' + $_)
            exit 1
        }
        __ctWrite 'ready'
        $__ctWrapper = [scriptblock]::Create($__ctSetup.Wrapper)
        while ($null -ne ($__ctRequest = __ctRead)) {
            __ctWrite (& $__ctWrapper $__ctSetup.Script $__ctRequest[0] $__ctRequest[1] $__ctSetup.Arguments $null $null $true)
        }
        """;

    public override ConcurrencyModel Model => ConcurrencyModel.Processes;

    protected override bool OutOfProcess => true;

    protected override void RunCore(ScriptTaskList list, string script, int workers, ScriptBlockRun run, long started, CancellationToken cancellationToken)
    {
        string pwsh = WorkerHost.FindPwsh() ?? throw new InvalidOperationException("The Processes model needs pwsh: it is not the current process and not on PATH.");
        string setup = Encode(new Hashtable
        {
            ["Wrapper"] = ScriptTaskWrapper.Text,
            ["Script"] = script,
            ["Arguments"] = list.State.ArgumentList.ToArray(),
            ["Modules"] = list.State.Modules.Count == 0 ? null : list.State.Modules.ToArray(),
            ["Variables"] = list.State.Variables.Count == 0 ? null : new Hashtable(list.State.Variables.ToDictionary(v => v.Key, v => v.Value)),
        });

        using var pool = new WorkerPool(cancellationToken);
        pool.Start(Math.Min(workers, list.Items.Count), StartInfo(pwsh), (child, token) => ExpectReadyAsync(child, setup, token));
        run.Startup = Stopwatch.GetElapsedTime(started);

        int next = -1;
        var records = new ScriptTaskRecord?[list.Items.Count];
        pool.Drive(child => DriveAsync(child, list, records, () => Interlocked.Increment(ref next), pool));
        run.Records.AddRange(records.Where(r => r is not null)!);
    }

    private static ChildStartInfo StartInfo(string pwsh)
    {
        string engine = typeof(ParentPipe).Assembly.Location;
        string script = ChildLoop.Replace("__CT_ENGINE__", "'" + engine.Replace("'", "''", StringComparison.Ordinal) + "'", StringComparison.Ordinal);
        return new(pwsh, new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-EncodedCommand", Convert.ToBase64String(Encoding.Unicode.GetBytes(script)) });
    }

    private static async Task ExpectReadyAsync(WorkerProcess child, string setup, CancellationToken cancellationToken)
    {
        await child.SendAsync(setup).ConfigureAwait(false);
        object? reply = await ReceiveAsync(child, cancellationToken).ConfigureAwait(false);
        if (!"ready".Equals(reply))
        {
            throw new InvalidOperationException($"pwsh child {child.Id} did not start{await child.DescribeEndAsync(Convert.ToString(reply) ?? string.Empty).ConfigureAwait(false)}");
        }
    }

    private static async Task DriveAsync(WorkerProcess child, ScriptTaskList list, ScriptTaskRecord?[] records, Func<int> take, WorkerPool pool)
    {
        try
        {
            // The index is taken inside the loop, not in its condition, so that every mutant of the condition compiles.
            while (!pool.IsStopping)
            {
                int index = take();
                if (index >= list.Items.Count)
                {
                    return;
                }

                await child.SendAsync(Encode(new object?[] { index, list.Items[index] })).ConfigureAwait(false);
                object? reply = await ReceiveAsync(child, pool.Stopping).ConfigureAwait(false);
                records[index] = ScriptTaskRecord.From(reply) ??
                    throw new InvalidOperationException($"pwsh child {child.Id} answered '{reply}' to item {index}.");
            }
        }
        catch (Exception) when (!pool.IsStopping)
        {
            pool.Fail();
            throw;
        }
    }

    /// <summary>The next protocol line, decoded; console output of the script block in between is skipped.</summary>
    private static async Task<object?> ReceiveAsync(WorkerProcess child, CancellationToken cancellationToken)
    {
        while (true)
        {
            string line = await child.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                object? value = PSSerializer.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(line[Marker.Length..])));
                return ScriptBlockState.Unwrap(value);
            }
        }
    }

    private static string Encode(object value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(PSSerializer.Serialize(value, 3)));
}
