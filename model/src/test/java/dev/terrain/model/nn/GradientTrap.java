package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Springs the DJL "Java Number in an op" trap between a forward pass and its backward pass
 * (shared/bench/NOTES.md): a Number passed to an op is backed by a direct buffer that autograd keeps
 * using after DJL closed it; collecting garbage and then allocating fresh direct buffers filled with
 * junk (12345) overwrites that memory, so a gradient that read it comes out visibly wrong.
 */
public final class GradientTrap {
    private GradientTrap() {}

    /** Collects garbage, then allocates junk arrays that stay in {@code keep} until the caller drops them. */
    public static void spring(NDManager m, List<NDArray> keep) {
        for (int round = 0; round < 3; round++) {
            System.gc();
            byte[][] heap = new byte[64][];
            for (int i = 0; i < heap.length; i++) {
                heap[i] = new byte[1 << 14];
            }
            for (int i = 0; i < 200; i++) {
                double[] d = new double[1 + i % 8];
                Arrays.fill(d, 12345.0);
                keep.add(m.create(d));
                float[] f = new float[1 + i % 8];
                Arrays.fill(f, 12345f);
                keep.add(m.create(f));
            }
        }
    }
}
