using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>The names of this process's threads as the kernel keeps them (/proc/self/task/*/comm: the first 15 bytes).</summary>
internal static class ThreadNames
{
    /// <summary>Each live thread's name (Linux only); a thread that ends while it is read is left out.</summary>
    public static List<string> OfThisProcess()
    {
        var names = new List<string>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return names;
    }
}
