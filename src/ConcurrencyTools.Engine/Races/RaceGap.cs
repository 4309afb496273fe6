using System.Runtime.CompilerServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>
/// One thread's race window and its random choices. A xorshift generator, seeded per trial and thread,
/// keeps the choices cheap (they run inside every strategy's loop alike) and reproducible with -Seed.
/// </summary>
internal sealed class RaceGap
{
    private readonly RaceWindow _window;
    private ulong _state;

    public RaceGap(RaceWindow window, int seed, long trial, int thread, int configuration)
    {
        _window = window;
        // A fixed mix of the inputs: HashCode would differ from process to process.
        _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)trial * 0xBF58476D1CE4E5B9UL ^ (ulong)thread * 0x94D049BB133111EBUL ^ (ulong)configuration * 0x2545F4914F6CDD1DUL) | 1UL;
    }

    /// <summary>Holds the thread between its read and its write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Open()
    {
        switch (_window)
        {
            case RaceWindow.None:
                return;
            case RaceWindow.Yield:
                Thread.Yield();
                return;
            case RaceWindow.SpinWait:
                Thread.SpinWait(16 + (int)(Next() & 31));
                return;
            default:
                Thread.Sleep(1);
                return;
        }
    }

    /// <summary>A random bit, e.g. the direction of a transfer.</summary>
    public bool NextBit() => (Next() & 1) == 0;

    private ulong Next()
    {
        ulong x = _state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        _state = x;
        return x;
    }
}
