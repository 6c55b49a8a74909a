package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.NoGrad;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loss and its parameter gradient of one batch, evaluated data-parallel on CPU cores: the batch comes
 * split into parts ({@link Objective#toDeviceShards}); part 0 is evaluated and back-propagated on the
 * calling thread into the parameters' own gradients, every other part at the same time on a worker thread
 * into the gradients of a detached view of the parameters. A view shares the parameter's storage (so it
 * follows every in-place update with no copy) but is its own autograd leaf, so the concurrent reverse
 * passes share no node. The views' gradients are then added into the parameters' in part order, which
 * makes the result the same from run to run; it differs from the one-piece evaluation only by the order
 * of floating-point summation over the points.
 *
 * <p>Why: the per-operation cost of the step (JNI, dispatch, autograd bookkeeping) runs on one thread
 * however many intra-op threads libtorch has, and its elementwise kernels on a few thousand points are
 * too small to split well. Separate Java threads split both. With {@code threads = 1} and two parts on
 * two cores the width-50 step on 1000 points runs about 1.5 times as fast as one piece on two intra-op
 * threads ({@code ./terrain bench compare}).
 *
 * <p>Workers come from a shared pool of daemon threads that end after 30 s idle, so a process running many
 * trainers (the service) keeps no thread per finished run. A part's arrays are made and freed on its own
 * thread ({@link NDScope} is per thread); the caller waits for every worker before it returns or throws,
 * so no worker outlives the step's arrays.
 */
public final class ShardedGradient {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "terrain-shard-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private final Parameters params;
    private final List<List<NDArray>> views = new ArrayList<>();
    private List<NDArray> viewSource = List.of();
    /** Run on every thread between its forward and reverse pass (tests collect garbage there: the DJL trap). */
    private volatile Runnable betweenPasses = () -> {};

    private final boolean taped;

    /** @param taped whether parts use the network's hand-written reverse pass ({@link Trainer#withTapedReverse}) */
    public ShardedGradient(Parameters params, boolean taped) {
        this.params = params;
        this.taped = taped;
    }

    ShardedGradient betweenPasses(Runnable r) {
        this.betweenPasses = r;
        return this;
    }

    /**
     * The loss of the whole batch (each term summed over the parts that hold its set, the total summed
     * over parts) with its gradient accumulated into the parameters' gradients, as
     * {@link StepFunction#lossAndGradient()} does for a batch in one piece.
     */
    public LossValues lossAndGradient(Objective objective, List<Map<String, PointSet>> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no batch parts to evaluate");
        }
        List<NDArray> own = params.arrays();
        ensureViews(own, parts.size() - 1);
        List<Future<LossValues>> futures = new ArrayList<>();
        List<LossValues> results = new ArrayList<>();
        RuntimeException failure = null;
        try {
            for (int k = 1; k < parts.size(); k++) {
                Map<String, PointSet> part = parts.get(k);
                List<NDArray> view = views.get(k - 1);
                Runnable pause = betweenPasses;
                futures.add(POOL.submit(() -> evaluateDetached(objective, part, view, taped, pause)));
            }
            results.add(objective.lossAndGradient(parts.get(0), own, true, taped, null,
                    betweenPasses));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            // Whatever happened on this thread, every worker must be done before the step's arrays go.
            failure = join(futures, results, failure);
        }
        Set<NDArray> workerArrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int k = 1; k < results.size(); k++) {
            workerArrays.add(results.get(k).total());
            workerArrays.addAll(results.get(k).terms().values());
        }
        try (NoGrad off = new NoGrad()) {
            if (failure != null) {
                throw failure;
            }
            accumulate(own, parts.size() - 1);
            return combine(objective, results, workerArrays);
        } finally {
            workerArrays.forEach(NDArray::close);
        }
    }

    /** A part on a worker thread: its loss and reverse pass into the view's gradients; the losses outlive its scope. */
    private static LossValues evaluateDetached(Objective objective, Map<String, PointSet> part, List<NDArray> view,
            boolean taped, Runnable pause) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            LossValues loss = objective.lossAndGradient(part, view, true, taped, null, pause);
            NDScope.unregister(loss.total());
            loss.terms().values().forEach(NDScope::unregister);
            return loss;
        }
    }

    /** Waits for every worker (uninterruptibly: their arrays must not be freed under them); the first failure wins. */
    private static RuntimeException join(List<Future<LossValues>> futures, List<LossValues> results,
            RuntimeException failure) {
        boolean interrupted = false;
        for (Future<LossValues> f : futures) {
            while (true) {
                try {
                    results.add(f.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (failure == null) {
                        failure = cause instanceof RuntimeException r ? r
                                : new IllegalStateException("a batch part failed on its worker thread: " + cause, cause);
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return failure;
    }

    /** Adds each view's gradient into its parameter's, in part order, and zeroes the view's. */
    private void accumulate(List<NDArray> own, int workerParts) {
        for (int i = 0; i < own.size(); i++) {
            try (NDArray g = own.get(i).getGradient()) {
                for (int k = 0; k < workerParts; k++) {
                    PtNDArray v = (PtNDArray) views.get(k).get(i);
                    try (NDArray gv = v.getGradient()) {
                        g.addi(gv);
                    }
                    JniUtils.zeroGrad(v);
                }
            }
        }
    }

    /** Every term summed over the parts that hold it, the total over all parts; part order throughout. */
    private static LossValues combine(Objective objective, List<LossValues> results, Set<NDArray> workerArrays) {
        Map<String, NDArray> terms = new LinkedHashMap<>();
        for (String name : objective.termNames()) {
            NDArray sum = null;
            for (LossValues part : results) {
                NDArray v = part.terms().get(name);
                if (v != null) {
                    sum = sum == null ? owned(v, workerArrays) : sum.add(v);
                }
            }
            if (sum == null) {
                throw new IllegalStateException("no batch part holds the point set of term '" + name + "'");
            }
            terms.put(name, sum);
        }
        NDArray total = owned(results.get(0).total(), workerArrays);
        for (int k = 1; k < results.size(); k++) {
            total = total.add(results.get(k).total());
        }
        return new LossValues(total, terms);
    }

    /** The array itself when it belongs to the caller's step, else a copy there (workers' arrays are freed). */
    private static NDArray owned(NDArray v, Set<NDArray> workerArrays) {
        return workerArrays.contains(v) ? v.duplicate() : v;
    }

    /**
     * Keeps {@code count} sets of detached views of the parameter arrays; made again (and the old ones
     * freed) if the parameter arrays themselves were replaced.
     */
    private void ensureViews(List<NDArray> own, int count) {
        if (!sameArrays(viewSource, own)) {
            views.forEach(v -> v.forEach(NDArray::close));
            views.clear();
            viewSource = List.copyOf(own);
        }
        while (views.size() < count) {
            List<NDArray> view = new ArrayList<>();
            for (NDArray p : own) {
                NDArray d = p.stopGradient();
                NDScope.unregister(d);
                d.setRequiresGradient(true);
                view.add(d);
            }
            views.add(view);
        }
    }

    private static boolean sameArrays(List<NDArray> a, List<NDArray> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }
}
