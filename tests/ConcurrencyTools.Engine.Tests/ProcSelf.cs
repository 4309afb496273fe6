using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>What Linux's /proc says of this test process now.</summary>
internal static class ProcSelf
{
    /// <summary>Each live thread's name as the kernel keeps it (task/*/comm: the first 15 bytes); a thread that ends while it is read is left out.</summary>
    public static List<string> ThreadNames()
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

    /// <summary>The number of a line of /proc/self/status (<c>Threads</c>, or <c>VmRSS</c> and <c>VmHWM</c> in kB).</summary>
    public static long Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().TrimEnd('B', 'k').Trim(), CultureInfo.InvariantCulture);
    }
}
