using System;
using System.Collections.Generic;
using System.IO;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>Parent and child links between live processes, read from /proc (Linux).</summary>
internal static class ProcessTree
{
    /// <summary>Every live process below <paramref name="root"/>, children first.</summary>
    public static List<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out int pid) && TryReadParent(pid, out int parent))
            {
                if (!children.TryGetValue(parent, out List<int>? list))
                {
                    children[parent] = list = new List<int>();
                }

                list.Add(pid);
            }
        }

        var found = new List<int>();
        var pending = new Queue<int>();
        pending.Enqueue(root);
        while (pending.Count > 0)
        {
            if (children.TryGetValue(pending.Dequeue(), out List<int>? list))
            {
                foreach (int child in list)
                {
                    found.Add(child);
                    pending.Enqueue(child);
                }
            }
        }

        return found;
    }

    /// <summary>The parent of a live (not zombie) process.</summary>
    public static bool TryReadParent(int pid, out int parent)
    {
        parent = 0;
        try
        {
            // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            string stat = File.ReadAllText("/proc/" + pid + "/stat");
            int end = stat.LastIndexOf(')');
            string[] rest = stat[(end + 2)..].Split(' ', 3);
            return rest[0] != "Z" && int.TryParse(rest[1], out parent);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            // The process ended while it was read.
            return false;
        }
    }
}
