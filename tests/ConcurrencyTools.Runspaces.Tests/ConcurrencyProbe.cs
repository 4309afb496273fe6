using System.Threading;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>A shared object script blocks call into, to show how many of them run at once.</summary>
public sealed class ConcurrencyProbe
{
    private int _inside;
    private int _entered;
    private int _maxInside;

    public int Entered => Volatile.Read(ref _entered);

    public int MaxInside => Volatile.Read(ref _maxInside);

    public void Enter()
    {
        int inside = Interlocked.Increment(ref _inside);
        Interlocked.Increment(ref _entered);
        int max;
        while (inside > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, inside, max) != max)
        {
        }
    }

    public void Leave() => Interlocked.Decrement(ref _inside);

    /// <summary>Waits until <paramref name="count"/> callers have entered; false after the hang guard.</summary>
    public bool WaitForEntered(int count)
    {
        return SpinWait.SpinUntil(() => Entered >= count, 30_000);
    }
}
