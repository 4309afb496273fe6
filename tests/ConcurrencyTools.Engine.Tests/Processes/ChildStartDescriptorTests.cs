using System;
using System.IO;
using ConcurrencyTools.Engine.Processes;
using Xunit;

namespace ConcurrencyTools.Engine.Tests.Processes;

/// <summary>
/// A start that fails after its pipes were made closes all six ends. It counts this process's descriptors, so it runs
/// alone (the live-children collection): another test's children would open descriptors meanwhile.
/// </summary>
[Collection(LiveChildrenCollection.Name)]
public sealed class ChildStartDescriptorTests
{
    [Fact]
    public void AStartThatExecRefusesLeavesNoPipeOpen()
    {
        if (!OperatingSystem.IsLinux() || !PosixNative.IsSupported)
        {
            return;
        }

        // Executable by its mode, but neither a binary nor a script: posix_spawn fails (ENOEXEC) after the pipes exist.
        string file = Path.Combine(Directory.CreateTempSubdirectory("ct-noexec-").FullName, "data");
        try
        {
            File.WriteAllBytes(file, new byte[] { 0, 1, 2, 3 });
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Assert.Throws<ChildStartException>(() => PosixChildProcess.Start(new ChildStartInfo(file, Array.Empty<string>())));

            int before = Directory.GetFileSystemEntries("/proc/self/fd").Length;
            for (int i = 0; i < 20; i++)
            {
                Assert.Throws<ChildStartException>(() => PosixChildProcess.Start(new ChildStartInfo(file, Array.Empty<string>())));
            }

            // Three ends left open by each start would be 60 more.
            int after = Directory.GetFileSystemEntries("/proc/self/fd").Length;
            Assert.InRange(after - before, -10, 10);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
