#!/usr/bin/env python3
"""The articles' CPU and I/O experiments in CPython, sized to match ConcurrencyTools' task lists.

A CPU task t adds (j*j) % 1000 for j in [t*n, (t+1)*n): the same sum as the Cpu workload of
ConcurrencyTools, so both sides must report the same checksum. An I/O task sleeps. Each experiment
runs the task list sequentially (the baseline), on a thread pool and on a process pool of each worker
count; pools are created inside the timed region, as the Processes model's run includes its start-up, and
shut down inside it (the `with` block's exit joins the workers), as the Processes model's run ends when its
workers are reaped.

    python3 gil_experiments.py --kind cpu --tasks 8 --iterations 2000000 --workers 1,2,4,8
    python3 gil_experiments.py --calibrate --iterations 200000
    python3 gil_experiments.py --pool-start 2 --repeat 5

Prints CSV rows: Kind,Model,Workers,Tasks,ElapsedMs,CpuMs,Checksum,StartMethod,WorkersStartedMs,ShutdownMs (or
CalibrationMs with --calibrate, or Workers,StartupMs,StartMethod with --pool-start). For a pool, WorkersStartedMs is
the time from creating it until every worker that ran a task had begun its first one, and ShutdownMs the `with`
block's exit (a stop sentinel to each worker through the call queue, the workers' exit, the joins); both are part
of ElapsedMs.
"""

import argparse
import concurrent.futures
import multiprocessing
import os
import resource
import sys
import threading
import time


MASK = (1 << 64) - 1


def mix(index):
    """SplitMix64 of the task index, as the Cpu workload adds it, so a task done twice cannot pass."""
    z = (index + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def as_int64(value):
    """Wraps like .NET's unchecked long arithmetic."""
    value &= MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def cpu_task(index, iterations):
    total = 0
    for j in range(index * iterations, (index + 1) * iterations):
        total += (j * j) % 1000
    return total + mix(index)


def io_task(index, duration_ms):
    time.sleep(duration_ms / 1000)
    return index


def timed_task(kind, index, size):
    """A task's result with when it began (perf_counter is CLOCK_MONOTONIC, one clock for every process) and where."""
    started = time.perf_counter()
    return (cpu_task if kind == "cpu" else io_task)(index, size), started, os.getpid(), threading.get_ident()


_barrier = None


def _keep_barrier(barrier):
    global _barrier
    _barrier = barrier


def hello(_):
    # No worker can take a second task: each waits here until every worker holds one.
    _barrier.wait(timeout=120)
    return os.getpid()


def pool_start(workers):
    """Milliseconds from creating a ProcessPoolExecutor until every one of its workers runs a task.

    Each worker gets one task that waits on a barrier of all the workers and returns its process id.
    With the fork start method the pool launches all its workers at once, as the Processes model does,
    and its time counts until every worker is ready, like the model's StartupMs.
    """
    barrier = multiprocessing.Barrier(workers)
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, initializer=_keep_barrier, initargs=(barrier,)) as pool:
        pids = set(pool.map(hello, range(workers)))
        elapsed = (time.perf_counter() - started) * 1000
    if len(pids) != workers:
        raise RuntimeError(f"{len(pids)} distinct workers answered, not {workers}")
    return elapsed


def children_cpu():
    """CPU seconds of this process's reaped children (a process pool's workers, once it has shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(kind, model, workers, tasks, size):
    """Elapsed and CPU milliseconds of one configuration (CPU: this process's and its pool's workers'), the
    checksum, and for a pool the milliseconds until all its workers had begun a task and of its shutdown."""
    task = cpu_task if kind == "cpu" else io_task
    cpu = time.process_time() + children_cpu()
    started = time.perf_counter()
    workers_started = shutdown = None
    if model == "sequential":
        results = [task(i, size) for i in range(tasks)]
    else:
        pool_type = concurrent.futures.ThreadPoolExecutor if model == "threads" else concurrent.futures.ProcessPoolExecutor
        with pool_type(max_workers=workers) as pool:
            timed = list(pool.map(timed_task, [kind] * tasks, range(tasks), [size] * tasks))
            collected = time.perf_counter()
        shutdown = (time.perf_counter() - collected) * 1000
        results = [result for result, _, _, _ in timed]
        first = {}
        for _, began, pid, thread in timed:
            first[(pid, thread)] = min(began, first.get((pid, thread), began))
        workers_started = (max(first.values()) - started) * 1000
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() + children_cpu() - cpu) * 1000
    return elapsed, cpu, as_int64(sum(results)), workers_started, shutdown


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["cpu", "io"], default="cpu")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--iterations", type=int, default=2_000_000, help="loop iterations per CPU task")
    parser.add_argument("--duration-ms", type=int, default=200, help="sleep per I/O task")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--models", default="sequential,threads,processes")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--calibrate", action="store_true", help="time one CPU task of --iterations and exit")
    parser.add_argument("--pool-start", type=int, default=0, metavar="N", help="time starting a process pool of N workers, --repeat times")
    args = parser.parse_args()

    if args.pool_start:
        print("Workers,StartupMs,StartMethod")
        for _ in range(args.repeat):
            print(f"{args.pool_start},{pool_start(args.pool_start):.3f},{multiprocessing.get_start_method()}", flush=True)
        return 0

    if args.calibrate:
        started = time.perf_counter()
        cpu_task(0, args.iterations)
        print("CalibrationMs")
        print(f"{(time.perf_counter() - started) * 1000:.3f}")
        return 0

    size = args.iterations if args.kind == "cpu" else args.duration_ms
    workers = [int(w) for w in args.workers.split(",")]
    models = args.models.split(",")
    print("Kind,Model,Workers,Tasks,ElapsedMs,CpuMs,Checksum,StartMethod,WorkersStartedMs,ShutdownMs")
    for _ in range(args.repeat):
        for model in models:
            for count in [1] if model == "sequential" else workers:
                elapsed, cpu, checksum, workers_started, shutdown = run(args.kind, model, count, args.tasks, size)
                stages = "," if shutdown is None else f"{workers_started:.3f},{shutdown:.3f}"
                print(f"{args.kind},{model},{count},{args.tasks},{elapsed:.3f},{cpu:.3f},{checksum},{multiprocessing.get_start_method()},{stages}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
