package dev.terrain.ops.cli;

import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.ProblemSpec;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code terrain problems}: the catalogue with each problem's parameters and defaults. */
@Command(name = "problems", mixinStandardHelpOptions = true, description = "List the problem catalogue.")
final class ProblemsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (ProblemSpec s : Catalogue.entries()) {
            System.out.printf("%-22s %s (%s)%n", s.id(), s.summary(), s.source());
            StringBuilder params = new StringBuilder();
            for (Map.Entry<String, Object> e : new TreeMap<>(s.defaults()).entrySet()) {
                params.append(params.length() == 0 ? "" : ", ").append(e.getKey()).append(" = ").append(e.getValue());
            }
            if (params.length() > 0) {
                System.out.printf("%-22s parameters: %s%n", "", params);
            }
        }
        return 0;
    }
}
