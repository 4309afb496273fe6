using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>
/// Real PowerShell remoting for the engine's session code, as tests/Pester/TestSshHost.psm1 makes it for the Pester
/// suite: an OpenSSH server per host on a 127.0.0.x address only, on a free port, with host and user keys made for the
/// run and a <c>Subsystem powershell</c> line that starts the machine's pwsh (without the user's shell start-up). The
/// hosts that have the module get a module folder holding this build's engine under <see cref="Version"/>: the host's
/// side of the session code (<c>RemoteTaskServer</c>) needs only the engine. The sessions are opened from a runspace hosted in this process, so
/// the client's side runs here. Every server (with its sessions) is stopped on dispose, and none outlives the run by
/// more than an hour (timeout(1)).
/// </summary>
public sealed class SshHosts : IDisposable
{
    /// <summary>The module version the hosts with the module have (none has another).</summary>
    public const string Version = "99.0.1";

    private readonly string _directory;
    private readonly List<Process> _servers = new();
    private readonly Runspace _runspace;

    public SshHosts()
    {
        string? pwsh = FindOnPath("pwsh");
        if (!File.Exists("/usr/sbin/sshd") || FindOnPath("ssh") is null || FindOnPath("ssh-keygen") is null || pwsh is null)
        {
            // As in the Pester suite: skipped without them, except under CI, where that is a failure.
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                throw new InvalidOperationException("These tests need OpenSSH (/usr/sbin/sshd, ssh, ssh-keygen; Debian: openssh-server) and pwsh on PATH; .ci/run installs them.");
            }

            Unavailable = true;
            _directory = string.Empty;
            _runspace = null!;
            First = Second = WithoutModule = new SshHost(string.Empty, 0);
            return;
        }

        _directory = Directory.CreateTempSubdirectory("ct-xunit-sshd-").FullName;

        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(_directory, "user_key"));
        File.Copy(Path.Combine(_directory, "user_key.pub"), Path.Combine(_directory, "authorized_keys"));
        Run("chmod", "600", Path.Combine(_directory, "authorized_keys"));

        string modules = Path.Combine(_directory, "modules");
        string module = Path.Combine(modules, "ConcurrencyTools", Version);
        Directory.CreateDirectory(module);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "ConcurrencyTools.Engine.dll"), Path.Combine(module, "ConcurrencyTools.Engine.dll"));
        File.WriteAllText(Path.Combine(module, "ConcurrencyTools.psd1"),
            $"@{{ ModuleVersion = '{Version}'; RootModule = 'ConcurrencyTools.Engine.dll'; GUID = '{Guid.NewGuid()}' }}\n");
        string empty = Path.Combine(_directory, "no-modules");
        Directory.CreateDirectory(empty);

        if (Environment.UserName == "root")
        {
            Directory.CreateDirectory("/run/sshd");
        }

        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        First = Start("127.0.0.1", modules, pwsh);
        Second = Start("127.0.0.2", modules, pwsh);
        WithoutModule = Start("127.0.0.3", empty, pwsh);
    }

    /// <summary>
    /// Whether OpenSSH or pwsh is missing here (outside CI): then the tests return at once, as the Pester suite skips its
    /// remoting tests.
    /// </summary>
    public bool Unavailable { get; }

    /// <summary>A host with the module.</summary>
    public SshHost First { get; }

    /// <summary>Another host with the module, at another address.</summary>
    public SshHost Second { get; }

    /// <summary>A host whose pwsh finds no ConcurrencyTools module.</summary>
    public SshHost WithoutModule { get; }

    /// <summary>A new session to <paramref name="host"/>; the test closes it (or leaves it to <see cref="Dispose"/>).</summary>
    public PSSession Open(SshHost host)
    {
        lock (_runspace)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("New-PSSession")
                .AddParameter("HostName", host.Address)
                .AddParameter("Port", host.Port)
                .AddParameter("UserName", Environment.UserName)
                .AddParameter("KeyFilePath", Path.Combine(_directory, "user_key"))
                .AddParameter("Options", new System.Collections.Hashtable { ["StrictHostKeyChecking"] = "no", ["UserKnownHostsFile"] = "/dev/null", ["LogLevel"] = "ERROR" })
                .AddParameter("ErrorAction", "Stop");
            return (PSSession)ps.Invoke().Single().BaseObject;
        }
    }

    /// <summary>Closes a session, as Remove-PSSession does.</summary>
    public void Close(PSSession session)
    {
        lock (_runspace)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddCommand("Remove-PSSession").AddParameter("Session", session);
            ps.Invoke();
        }
    }

    public void Dispose()
    {
        if (Unavailable)
        {
            return;
        }

        try
        {
            _runspace.Dispose();
        }
        finally
        {
            foreach (Process server in _servers)
            {
                try
                {
                    server.Kill(entireProcessTree: true);
                    server.WaitForExit(10_000);
                }
                catch (InvalidOperationException)
                {
                    // Ended already.
                }

                server.Dispose();
            }

            Directory.Delete(_directory, recursive: true);
        }
    }

    private SshHost Start(string address, string moduleRoot, string pwsh)
    {
        string name = address.Replace('.', '-');
        string hostKey = Path.Combine(_directory, $"host_key_{name}");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey);
        int port;
        var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        try
        {
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }

        string config = Path.Combine(_directory, $"sshd_config_{name}");
        File.WriteAllLines(config,
        [
            $"ListenAddress {address}",
            $"Port {port}",
            $"HostKey {hostKey}",
            $"PidFile {_directory}/sshd_{name}.pid",
            $"AuthorizedKeysFile {_directory}/authorized_keys",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            // sshd runs the subsystem through the user's shell, and bash reads the user's .bashrc for an sshd session
            // unless it is a nested shell: so the session starts without whatever the user's shell start-up does
            // (seconds on a machine that sets up a language's version manager there, and a stale lock of it stalls it).
            "SetEnv SHLVL=1",
            $"Subsystem powershell /usr/bin/env PSModulePath={moduleRoot} {pwsh} -sshs -NoLogo -NoProfile",
        ]);

        string log = Path.Combine(_directory, $"sshd_{name}.log");
        var server = Process.Start(new ProcessStartInfo("/usr/bin/timeout", ["3600", "/usr/sbin/sshd", "-D", "-f", config, "-E", log]))!;
        _servers.Add(server);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                client.Connect(address, port);
                return new SshHost(address, port);
            }
            catch (SocketException) when (!server.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(100);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"sshd on {address}:{port} did not start: {(File.Exists(log) ? File.ReadAllText(log) : "no log")}");
            }
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}.");
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}

/// <summary>Where one test server listens.</summary>
public sealed record SshHost(string Address, int Port);
