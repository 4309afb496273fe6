namespace ConcurrencyTools.Engine.Scalability;

/// <summary>
/// A fitted Universal Scalability Law: X(N) = λN / (1 + σ(N − 1) + κN(N − 1)). Speedups are X(N) / λ.
/// </summary>
public sealed class ScalabilityFit
{
    internal ScalabilityFit(double lambda, double sigma, double kappa, double? lambdaStdError, double? sigmaStdError,
        double? kappaStdError, double? rSquared, double? residualStdError, int points, bool converged = true, int iterations = 0)
    {
        Converged = converged;
        Iterations = iterations;
        Lambda = lambda;
        Sigma = sigma;
        Kappa = kappa;
        LambdaStdError = lambdaStdError;
        SigmaStdError = sigmaStdError;
        KappaStdError = kappaStdError;
        RSquared = rSquared;
        ResidualStdError = residualStdError;
        Points = points;
    }

    /// <summary>λ: the fitted throughput of one worker, X(1).</summary>
    public double Lambda { get; }

    /// <summary>σ: contention, the serial fraction (Amdahl's).</summary>
    public double Sigma { get; }

    /// <summary>κ: coherency, the crosstalk cost that makes more workers slower past the peak.</summary>
    public double Kappa { get; }

    /// <summary>Asymptotic standard error of λ; null without degrees of freedom.</summary>
    public double? LambdaStdError { get; }

    /// <summary>Asymptotic standard error of σ; null without degrees of freedom.</summary>
    public double? SigmaStdError { get; }

    /// <summary>Asymptotic standard error of κ; null without degrees of freedom or when κ is held at 0.</summary>
    public double? KappaStdError { get; }

    /// <summary>1 − SSres / SStot of the throughput; null when every throughput is the same.</summary>
    public double? RSquared { get; }

    /// <summary>sqrt(SSres / (points − parameters)), in throughput units; null without degrees of freedom.</summary>
    public double? ResidualStdError { get; }

    /// <summary>False when the fit stopped at the iteration limit (<see cref="UniversalScalabilityLaw.MaximumIterations"/>) instead of converging.</summary>
    public bool Converged { get; }

    /// <summary>Iterations the fit took.</summary>
    public int Iterations { get; }

    /// <summary>Points fitted.</summary>
    public int Points { get; }

    /// <summary>N*, the worker count of the highest throughput; null when κ puts it out of reach.</summary>
    public double? PeakWorkers => UniversalScalabilityLaw.PeakWorkers(Sigma, Kappa);

    /// <summary>The fitted speedup over one worker, C(N) = X(N) / λ.</summary>
    public double Speedup(double workers) => UniversalScalabilityLaw.RelativeCapacity(workers, Sigma, Kappa);

    /// <summary>The fitted throughput X(N).</summary>
    public double Throughput(double workers) => Lambda * Speedup(workers);
}
