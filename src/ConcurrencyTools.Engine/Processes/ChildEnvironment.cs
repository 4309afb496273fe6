using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// A child's environment as posix_spawn takes it: a null-terminated array of "NAME=value" C strings, in one block of
/// native memory. Building it reads this process's whole environment, sorts it and encodes every variable, which is a
/// measurable part of starting a short task; a pool builds it once per run and every child of the run shares it, so the
/// children see the environment as it was when the run started (as xargs' children see xargs' own).
/// </summary>
internal sealed unsafe class ChildEnvironment
{
    private static long s_builds;
    private readonly IntPtr _block;
    private readonly int _size;

    private ChildEnvironment(SortedDictionary<string, string> variables)
    {
        variables.TryGetValue("PATH", out string? path);
        Path = path;

        // The pointer array first, then the strings it points at.
        int pointers = (variables.Count + 1) * IntPtr.Size;
        int size = pointers;
        foreach (KeyValuePair<string, string> variable in variables)
        {
            size += Encoding.UTF8.GetByteCount(variable.Key) + Encoding.UTF8.GetByteCount(variable.Value) + 2;
        }

        _block = Marshal.AllocHGlobal(size);
        GC.AddMemoryPressure(size);
        _size = size;
        byte** array = (byte**)_block;
        byte* next = (byte*)_block + pointers;
        byte* end = (byte*)_block + size;
        int i = 0;
        foreach (KeyValuePair<string, string> variable in variables)
        {
            array[i++] = next;
            next += Encoding.UTF8.GetBytes(variable.Key, new Span<byte>(next, (int)(end - next)));
            *next++ = (byte)'=';
            next += Encoding.UTF8.GetBytes(variable.Value, new Span<byte>(next, (int)(end - next)));
            *next++ = 0;
        }

        array[i] = null;
    }

    ~ChildEnvironment()
    {
        Marshal.FreeHGlobal(_block);
        GC.RemoveMemoryPressure(_size);
    }

    /// <summary>How many environments were built in this process (an instrument for tests).</summary>
    internal static long Builds => Interlocked.Read(ref s_builds);

    /// <summary>The child's PATH, where a bare file name is looked up; null when it has none.</summary>
    public string? Path { get; }

    /// <summary>
    /// The envp array (pointers to "NAME=value" C strings, then a null pointer). It lives as long as this object: a caller keeps the object alive (GC.KeepAlive) until the
    /// child has been started.
    /// </summary>
    public IntPtr Block => _block;

    /// <summary>This process's environment now, plus <paramref name="changes"/> (a null value removes a variable).</summary>
    public static ChildEnvironment Build(IReadOnlyDictionary<string, string?>? changes)
    {
        Interlocked.Increment(ref s_builds);
        return new ChildEnvironment(ChildProcess.MergeEnvironment(changes));
    }
}
