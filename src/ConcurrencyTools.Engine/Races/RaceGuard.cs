using System;
using System.Threading;

namespace ConcurrencyTools.Engine.Races;

/// <summary>The lock of a lock-based strategy, behind one interface so every scenario runs the same critical section under each of them.</summary>
internal abstract class RaceGuard : IDisposable
{
    /// <summary>The guard of a lock-based strategy, or null for the strategies that need none.</summary>
    public static RaceGuard? Create(RaceStrategy strategy) => strategy switch
    {
        RaceStrategy.Lock => new MonitorGuard(),
        RaceStrategy.SpinLock => new SpinLockGuard(),
        RaceStrategy.Mutex => new MutexGuard(),
        RaceStrategy.SemaphoreSlim => new SemaphoreGuard(),
        RaceStrategy.ReaderWriterLockSlim => new ReaderWriterGuard(),
        _ => null,
    };

    public abstract void Enter();

    public abstract void Exit();

    /// <summary>For reads that change nothing (the audits); exclusive unless the lock knows better.</summary>
    public virtual void EnterRead() => Enter();

    public virtual void ExitRead() => Exit();

    public virtual void Dispose()
    {
    }

    private sealed class MonitorGuard : RaceGuard
    {
        private readonly object _gate = new();

        public override void Enter() => Monitor.Enter(_gate);

        public override void Exit() => Monitor.Exit(_gate);
    }

    private sealed class SpinLockGuard : RaceGuard
    {
        // A struct: it must live in a field and never be copied.
        private SpinLock _lock = new(enableThreadOwnerTracking: false);

        public override void Enter()
        {
            bool taken = false;
            _lock.Enter(ref taken);
        }

        public override void Exit() => _lock.Exit(useMemoryBarrier: false);
    }

    private sealed class MutexGuard : RaceGuard
    {
        private readonly Mutex _mutex = new(initiallyOwned: false);

        public override void Enter() => _mutex.WaitOne();

        public override void Exit() => _mutex.ReleaseMutex();

        public override void Dispose() => _mutex.Dispose();
    }

    private sealed class SemaphoreGuard : RaceGuard
    {
        private readonly SemaphoreSlim _semaphore = new(1, 1);

        public override void Enter() => _semaphore.Wait();

        public override void Exit() => _semaphore.Release();

        public override void Dispose() => _semaphore.Dispose();
    }

    private sealed class ReaderWriterGuard : RaceGuard
    {
        private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

        public override void Enter() => _lock.EnterWriteLock();

        public override void Exit() => _lock.ExitWriteLock();

        public override void EnterRead() => _lock.EnterReadLock();

        public override void ExitRead() => _lock.ExitReadLock();

        public override void Dispose() => _lock.Dispose();
    }
}
