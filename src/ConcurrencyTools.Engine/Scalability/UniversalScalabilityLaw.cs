using System;
using System.Collections.Generic;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// Neil Gunther's Universal Scalability Law, X(N) = λN / (1 + σ(N − 1) + κN(N − 1)), fitted to measured
/// throughput by bounded nonlinear least squares (MathNet.Numerics' Levenberg–Marquardt), as the R package
/// <c>usl</c> fits it: λ, σ and κ are estimated together, λ ≥ 0 (and below ten times the largest throughput
/// times the largest worker count, a bound the minimizer needs) and 0 ≤ σ, κ ≤ 1, every run is a point,
/// and the residuals are in throughput. The relative capacity C(N) = X(N) / λ, so λ, the fitted throughput
/// of one worker, is what every speedup is normalised to.
/// </summary>
public static class UniversalScalabilityLaw
{
    /// <summary>
    /// A fitted κ below (1 − σ) / 10⁸ puts the peak beyond 10,000 workers: no peak within reach, reported as none.
    /// </summary>
    public const double MaximumReportedPeakWorkers = 10_000;

    /// <summary>A κ below this is zero as far as the fit can tell (its last digits are rounding).</summary>
    public const double NegligibleKappa = 1e-9;

    /// <summary>C(N) = N / (1 + σ(N − 1) + κN(N − 1)): the speedup of <paramref name="workers"/> over one.</summary>
    public static double RelativeCapacity(double workers, double sigma, double kappa) =>
        workers / (1 + (sigma * (workers - 1)) + (kappa * workers * (workers - 1)));

    /// <summary>
    /// N* = sqrt((1 − σ) / κ), the worker count of the highest throughput (at least 1); null when κ ≈ 0:
    /// below <see cref="NegligibleKappa"/>, or so small that the peak lies beyond <see cref="MaximumReportedPeakWorkers"/>.
    /// </summary>
    public static double? PeakWorkers(double sigma, double kappa)
    {
        if (kappa < NegligibleKappa || (1 - sigma) / kappa > MaximumReportedPeakWorkers * MaximumReportedPeakWorkers)
        {
            return null;
        }

        return Math.Max(1, Math.Sqrt(Math.Max(0, 1 - sigma) / kappa));
    }

    /// <summary>
    /// Fits λ, σ and κ (or, with <paramref name="contentionOnly"/>, λ and σ with κ = 0: Amdahl's law) to
    /// (workers, throughput) points. Needs at least three distinct worker counts.
    /// </summary>
    public static ScalabilityFit Fit(IReadOnlyList<double> workers, IReadOnlyList<double> throughput, bool contentionOnly = false)
    {
        ArgumentNullException.ThrowIfNull(workers);
        ArgumentNullException.ThrowIfNull(throughput);
        if (workers.Count != throughput.Count)
        {
            throw new ArgumentException("There must be one throughput per worker count.", nameof(throughput));
        }

        if (workers.Any(n => !(n >= 1) || !double.IsFinite(n)) || throughput.Any(x => !(x > 0) || !double.IsFinite(x)))
        {
            throw new ArgumentOutOfRangeException(nameof(throughput), "Worker counts must be at least 1 and throughputs positive and finite.");
        }

        int distinct = workers.Distinct().Count();
        if (distinct < 3)
        {
            throw new ArgumentException($"A scalability fit needs at least 3 distinct worker counts; there are {distinct}.", nameof(workers));
        }

        Vector<double> x = Vector<double>.Build.DenseOfEnumerable(workers);
        Vector<double> y = Vector<double>.Build.DenseOfEnumerable(throughput);
        double lambdaStart = Enumerable.Range(0, x.Count).Max(i => y[i] / x[i]);
        var lower = Vector<double>.Build.DenseOfArray(new[] { 0.0, 0.0, 0.0 });
        // The minimizer needs finite bounds. With 0 ≤ σ, κ ≤ 1, C(N) ≥ 1/N, so λ ≤ max(X)·max(N); ten times that is room.
        var upper = Vector<double>.Build.DenseOfArray(new[] { 10 * y.Maximum() * x.Maximum(), 1.0, 1.0 });
        var isFixed = new List<bool> { false, false, contentionOnly };

        // The usl package's starting point: λ the best throughput per worker, σ 0.01, κ 0.0001.
        var objective = ObjectiveFunction.NonlinearModel(Model, Jacobian, x, y);
        var start = Vector<double>.Build.DenseOfArray(new[] { lambdaStart, 0.01, contentionOnly ? 0 : 0.0001 });
        NonlinearMinimizationResult result;
        try
        {
            result = new LevenbergMarquardtMinimizer(maximumIterations: 1000).FindMinimum(objective, start, lower, upper, isFixed: isFixed);
        }
        catch (MaximumIterationsException e)
        {
            throw new InvalidOperationException("The scalability fit did not converge in 1,000 iterations.", e);
        }

        if (result.ReasonForExit == ExitCondition.InvalidValues || result.MinimizingPoint.Any(v => !double.IsFinite(v)))
        {
            throw new InvalidOperationException("The scalability fit met values it cannot compute with.");
        }

        return Describe(result, x, y, contentionOnly);
    }

    private static ScalabilityFit Describe(NonlinearMinimizationResult result, Vector<double> x, Vector<double> y, bool contentionOnly)
    {
        Vector<double> p = result.MinimizingPoint;
        double squares = SumOfSquares(p, x, y);
        double mean = y.Average();
        double total = y.Sum(v => (v - mean) * (v - mean));
        int parameters = contentionOnly ? 2 : 3;
        int freedom = x.Count - parameters;
        Vector<double>? errors = result.StandardErrors;
        double? Error(int i) => freedom > 0 && errors is not null && double.IsFinite(errors[i]) && !(contentionOnly && i == 2) ? errors[i] : null;

        return new ScalabilityFit(
            lambda: p[0],
            sigma: p[1],
            kappa: contentionOnly ? 0 : p[2],
            lambdaStdError: Error(0),
            sigmaStdError: Error(1),
            kappaStdError: Error(2),
            rSquared: total > 0 ? 1 - (squares / total) : null,
            residualStdError: freedom > 0 ? Math.Sqrt(squares / freedom) : null,
            points: x.Count);
    }

    private static double SumOfSquares(Vector<double> p, Vector<double> x, Vector<double> y) =>
        Model(p, x).Subtract(y).PointwisePower(2).Sum();

    private static Vector<double> Model(Vector<double> p, Vector<double> x) =>
        x.Map(n => p[0] * RelativeCapacity(n, p[1], p[2]));

    private static Matrix<double> Jacobian(Vector<double> p, Vector<double> x)
    {
        var jacobian = Matrix<double>.Build.Dense(x.Count, 3);
        for (int i = 0; i < x.Count; i++)
        {
            double n = x[i];
            double denominator = 1 + (p[1] * (n - 1)) + (p[2] * n * (n - 1));
            double capacity = n / denominator;
            jacobian[i, 0] = capacity;
            jacobian[i, 1] = -p[0] * capacity * (n - 1) / denominator;
            jacobian[i, 2] = -p[0] * capacity * n * (n - 1) / denominator;
        }

        return jacobian;
    }
}
