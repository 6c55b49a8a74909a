package dev.terrain.ops.cli;

import dev.terrain.ops.config.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./terrain} command line. User mistakes exit with code 2 and one line on stderr. */
@Command(name = "terrain", mixinStandardHelpOptions = true, version = "terrain 0.1.0",
        description = "Physics-informed neural network training with live loss-landscape analysis.",
        subcommands = {TrainCommand.class, ResumeCommand.class, ProblemsCommand.class, ProbeCommand.class,
            BenchCommand.class, ProbeWorkerCommand.class, ServeCommand.class, SweepCommand.class, ReportCommand.class,
            ReproduceCommand.class, KafkaCommand.class})
public final class Main implements Runnable {
    static final int USER_ERROR = 2;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (0 ok, 1 internal failure, 2 user error, 3 run diverged or failed). */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, with error messages going to {@code err}. */
    public static int execute(java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof dev.terrain.ops.run.RunFailed failed) {
                cmd.getErr().println("error: " + failed.getMessage());
                return dev.terrain.ops.run.RunFailed.EXIT_CODE;
            }
            UserError user = userError(e);
            if (user != null) {
                cmd.getErr().println("error: " + user.getMessage());
                return USER_ERROR;
            }
            cmd.getErr().println("internal error: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("error: " + e.getMessage());
            e.getCommandLine().getErr().println("see: terrain " + e.getCommandLine().getCommandName() + " --help");
            return USER_ERROR;
        });
        return cli.execute(args);
    }

    private static UserError userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserError u) {
                return u;
            }
        }
        return null;
    }
}
