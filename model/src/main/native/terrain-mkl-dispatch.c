/*
 * libterrain-mkl-dispatch.so: preloaded (LD_PRELOAD) into Terrain's JVM by ./terrain, the Docker image and
 * the tests. Built by build.sh next to this file with the system C compiler; Terrain runs without it.
 *
 * libtorch_cpu.so from Maven Central links oneMKL 2024 statically, and the matrix products of a CPU step are
 * MKL's sgemm and dgemm (MKL_VERBOSE=1 lists each call). MKL picks its AVX2 and AVX-512 kernels only when
 * this function, which reads the CPU's vendor string, says the CPU is Intel's; on AMD CPUs it takes slower
 * generic kernels although the CPU has the same instructions.
 * libtorch_cpu.so calls it through the procedure linkage table, so the definition preloaded here is the one
 * it gets. MKL still reads the CPU's feature flags to choose among its kernels, so a CPU without AVX-512 gets
 * the AVX2 ones; on Intel CPUs this returns what MKL's own function returns.
 *
 * Measured on a 2-vCPU AMD EPYC (AVX-512), one thread, [1000,50] x [50,50]: float32 72-91 us -> 38-60 us,
 * float64 ~150 us -> ~62 us; the 50x3x1000 training step of bench compare, three alternating pairs of JVMs,
 * 289-336 -> 428-567 steps/s (float32) and 157-197 -> 217-352 steps/s (float64).
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
