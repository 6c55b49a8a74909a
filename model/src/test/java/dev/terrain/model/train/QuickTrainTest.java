package dev.terrain.model.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Scalars;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuickTrainTest {
    @Test
    void poisson() {
        for (String kind : List.of("dgm", "drm")) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("poisson").create(Map.of());
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = new NetworkSpec("resnet", 4, 1, List.of(), Activation.SWISH, 0.1, Initializer.GLOROT_NORMAL,
                    List.of(), false).build(params, 1, 1, 1);
            Objective obj = new Objective(p, LossKind.byId(kind), net, Map.of(), c);
            Trainer t = new Trainer(obj, new Adam(new Schedule.Cosine(Double.parseDouble(System.getProperty("lr", "0.01")), 1e-5, 10000), 0.9, 0.999, 1e-8),
                    Map.of("interior", new SetSampling(Rule.SIMPSON, 200)), false, 1, 1001, m);
            long t0 = System.nanoTime();
            for (int i = 0; i < 10000; i++) {
                StepReport r = t.train(i % 1000 == 0);
                if (r != null) System.out.println(kind + " " + r + " rel " + t.relativeL2());
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.println(kind + " final " + t.evaluate() + " steps/s " + 10000 / s);
        }
        }
    }
}
