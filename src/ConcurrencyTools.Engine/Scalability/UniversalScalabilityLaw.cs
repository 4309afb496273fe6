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
/// times the largest worker count, a bound the minimizer needs), 0 ≤ κ ≤ 1 and σ between −1 and 1: a
/// negative σ is super-linear scaling (caches that grow with the workers), kept above −1 / (N_max − 1) so that
/// the model stays positive at every measured worker count. Every run is a point and the residuals are in
/// throughput, divided by the largest throughput while fitting so that the unit does not matter. The relative
/// capacity C(N) = X(N) / λ, so λ, the fitted throughput of one worker, is what every speedup is normalised to.
/// Standard errors are those of scipy's curve_fit: s² (JᵀJ)⁻¹ with s² = SSres / (points − parameters), the
/// inverse taken by SVD of the Jacobian with each column scaled to unit length (JᵀJ itself has a condition
/// number near 10¹⁶ when λ is large and κ small), singular values below ε·max(rows, columns)·s_max dropped.
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
    public static ScalabilityFit Fit(IReadOnlyList<double> workers, IReadOnlyList<double> throughput, bool contentionOnly = false) =>
        Fit(workers, throughput, contentionOnly, MaximumIterations);

    /// <summary>The fit with another iteration limit (tests reach the limit with it).</summary>
    internal static ScalabilityFit Fit(IReadOnlyList<double> workers, IReadOnlyList<double> throughput, bool contentionOnly, int maximumIterations)
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

        // Fitted in units of the largest throughput, so that tasks/s or tasks/h give the same σ, κ and errors.
        double unit = throughput.Max();
        Vector<double> x = Vector<double>.Build.DenseOfEnumerable(workers);
        Vector<double> y = Vector<double>.Build.DenseOfEnumerable(throughput.Select(t => t / unit));
        if (y.Any(v => !(v > 0) || !double.IsFinite(v)))
        {
            throw new ArgumentOutOfRangeException(nameof(throughput), $"The throughputs span more than a double can hold in one unit ({throughput.Min():G3} to {unit:G3}).");
        }

        double lambdaStart = Enumerable.Range(0, x.Count).Max(i => y[i] / x[i]);
        double largest = x.Maximum();
        double sigmaFloor = Math.Max(MinimumSigma, -(1 - 1e-6) / (largest - 1));
        var lower = Vector<double>.Build.DenseOfArray(new[] { 0.0, sigmaFloor, 0.0 });
        // The minimizer needs finite bounds. With σ, κ ≤ 1 the denominator is at most N², so C(N) ≥ 1/N and
        // λ ≤ max(X)·max(N); ten times that is room.
        var upper = Vector<double>.Build.DenseOfArray(new[] { 10 * y.Maximum() * largest, 1.0, 1.0 });
        var isFixed = new List<bool> { false, false, contentionOnly };

        // The usl package's starting point: λ the best throughput per worker, σ 0.01, κ 0.0001.
        var objective = ObjectiveFunction.NonlinearModel(Model, Jacobian, x, y);
        var start = Vector<double>.Build.DenseOfArray(new[] { lambdaStart, 0.01, contentionOnly ? 0 : 0.0001 });
        NonlinearMinimizationResult result = new LevenbergMarquardtMinimizer(functionTolerance: 1e-30, maximumIterations: maximumIterations)
            .FindMinimum(objective, start, lower, upper, isFixed: isFixed);

        if (result.ReasonForExit == ExitCondition.InvalidValues || result.MinimizingPoint.Any(v => !double.IsFinite(v)))
        {
            throw new InvalidOperationException("The scalability fit met values it cannot compute with.");
        }

        return Describe(result, x, y, unit, contentionOnly);
    }

    /// <summary>The iteration limit of the Levenberg–Marquardt fit; a fit that reaches it is reported as not converged.</summary>
    public const int MaximumIterations = 1000;

    /// <summary>The lowest σ allowed: −1, super-linear scaling as strong as it can be at two workers.</summary>
    public const double MinimumSigma = -1;

    /// <summary>A σ below this is super-linear scaling worth a warning (above it, rounding of exactly linear data).</summary>
    public const double SuperLinearSigma = -0.001;

    /// <summary>
    /// The asymptotic standard errors of the free parameters at <paramref name="p"/>, as scipy's curve_fit
    /// gives them: sqrt(diag(s² (JᵀJ)⁻¹)), the inverse by SVD of the column-scaled Jacobian.
    /// </summary>
    internal static double[]? StandardErrors(Vector<double> p, Vector<double> x, Vector<double> y, bool contentionOnly)
    {
        int parameters = contentionOnly ? 2 : 3;
        int freedom = x.Count - parameters;
        if (freedom <= 0)
        {
            return null;
        }

        Matrix<double> jacobian = Jacobian(p, x).SubMatrix(0, x.Count, 0, parameters);
        var scale = new double[parameters];
        for (int j = 0; j < parameters; j++)
        {
            scale[j] = jacobian.Column(j).L2Norm();
            if (!(scale[j] > 0) || !double.IsFinite(scale[j]))
            {
                return null;
            }

            jacobian.SetColumn(j, jacobian.Column(j) / scale[j]);
        }

        var svd = jacobian.Svd(computeVectors: true);
        Vector<double> singular = svd.S;
        double cutoff = 2.220446049250313e-16 * Math.Max(x.Count, parameters) * singular[0];
        Matrix<double> vt = svd.VT;
        var covariance = Matrix<double>.Build.Dense(parameters, parameters);
        for (int k = 0; k < singular.Count; k++)
        {
            if (singular[k] > cutoff)
            {
                Vector<double> v = vt.Row(k);
                covariance += v.OuterProduct(v) / (singular[k] * singular[k]);
            }
        }

        double variance = SumOfSquares(p, x, y) / freedom;
        var errors = new double[parameters];
        for (int j = 0; j < parameters; j++)
        {
            errors[j] = Math.Sqrt(variance * covariance[j, j]) / scale[j];
        }

        return errors;
    }

    private static ScalabilityFit Describe(NonlinearMinimizationResult result, Vector<double> x, Vector<double> y, double unit, bool contentionOnly)
    {
        Vector<double> p = result.MinimizingPoint;
        double squares = SumOfSquares(p, x, y);
        double mean = y.Average();
        double total = y.Sum(v => (v - mean) * (v - mean));
        int parameters = contentionOnly ? 2 : 3;
        int freedom = x.Count - parameters;
        double[]? errors = StandardErrors(p, x, y, contentionOnly);
        double? Error(int i) => errors is not null && i < errors.Length && double.IsFinite(errors[i]) ? errors[i] : null;

        return new ScalabilityFit(
            lambda: p[0] * unit,
            sigma: p[1],
            kappa: contentionOnly ? 0 : p[2],
            lambdaStdError: Error(0) * unit,
            sigmaStdError: Error(1),
            kappaStdError: Error(2),
            rSquared: total > 0 ? 1 - (squares / total) : null,
            residualStdError: freedom > 0 ? Math.Sqrt(squares / freedom) * unit : null,
            points: x.Count,
            converged: result.ReasonForExit != ExitCondition.ExceedIterations,
            iterations: result.Iterations);
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
