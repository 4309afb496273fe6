using System;
using System.IO;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// What a child started with posix_spawn gets, read by the child itself from /proc: a process group of its own
/// (which lets a kill reach its grandchildren), default signal handling (the runtime ignores SIGPIPE; a child
/// that inherited that would print "Broken pipe" errors instead of ending quietly) and no blocked signal.
/// </summary>
public sealed class PosixSpawnTests
{
    private static async Task<string> OutputOf(string script)
    {
        using ChildProcess child = ChildProcess.Start(new ChildStartInfo("sh", new[] { "-c", script }));
        child.StandardInput.Dispose();
        string output = await new StreamReader(child.StandardOutput).ReadToEndAsync();
        Assert.Equal(0, (await child.WaitForExitAsync()).ExitCode);
        return output.Trim() + "|" + child.Id;
    }

    [Fact]
    public async Task AChildLeadsAProcessGroupOfItsOwn()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        string[] parts = (await OutputOf("cut -d ' ' -f 5 /proc/$$/stat; exit 0")).Split('|');
        Assert.Equal(parts[1], parts[0]);
    }

    [Fact]
    public async Task AChildIgnoresAndBlocksNoSignal()
    {
        if (!PosixNative.IsSupported)
        {
            return;
        }

        // The runtime ignores SIGPIPE (signal 13, bit 12 of the mask) in this process; the child must not.
        const ulong sigpipe = 1UL << 12;
        Assert.NotEqual(0UL, Mask(File.ReadAllText("/proc/self/status"), "SigIgn") & sigpipe);
        // Read with the shell's built-ins only: a command it forks would see the mask the shell sets around a fork.
        string status = (await OutputOf("while read -r name value; do case $name in SigBlk:|SigIgn:) echo \"$name $value\";; esac; done < /proc/$$/status")).Split('|')[0];
        Assert.Equal(0UL, Mask(status, "SigIgn") & sigpipe);
        Assert.Equal(0UL, Mask(status, "SigBlk"));
    }

    private static ulong Mask(string status, string name)
    {
        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return Convert.ToUInt64(line[(name.Length + 1)..].Trim(), 16);
            }
        }

        throw new InvalidDataException($"No {name} in {status}");
    }
}
