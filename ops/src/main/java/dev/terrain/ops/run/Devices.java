package dev.terrain.ops.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.terrain.ops.config.UserError;

/** The DJL device of the {@code device} setting (cpu, gpu or auto). */
public final class Devices {
    private Devices() {}

    public static Device of(String setting) {
        if (setting.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = Engine.getInstance().getGpuCount();
        return switch (setting) {
            case "gpu" -> {
                if (gpus == 0) {
                    throw new UserError("device = gpu but libtorch sees no GPU; use device = cpu or auto");
                }
                yield Device.gpu();
            }
            case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
            default -> Device.cpu();
        };
    }
}
