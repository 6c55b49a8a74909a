package dev.terrain.ops.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The settings of {@code ./terrain serve}: the {@code serve} block (HTTP address, concurrency, queue and
 * body limits, drain timeout) and the service-wide {@link RunSettings} ({@code run.dir}, {@code kafka},
 * {@code prometheus}, {@code threads}) from an optional service file plus {@code -D} overrides, validated
 * as a run file is (unknown keys and bad values fail naming the key).
 */
public record ServeSettings(String host, int port, int concurrency, int queueLimit, long maxBodyBytes,
        Duration drainTimeout, Duration metricsRetention, String group, String instance, int partitions,
        Duration sessionTimeout, RunSettings service) {

    /** The run directory root every service run goes under. */
    public Path runDir() {
        return Path.of(service.runDir());
    }

    /** Loads {@code file} (null: defaults only) with {@code overrides} on top. */
    public static ServeSettings load(File file, Map<String, String> overrides) {
        String text = "";
        String origin = "the service settings";
        if (file != null) {
            if (!file.isFile()) {
                throw new UserError("config file not found: " + file);
            }
            try {
                text = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)).root().render();
            } catch (ConfigException e) {
                throw new UserError("cannot read " + file + ": " + e.getMessage());
            }
            origin = file.toString();
        }
        RunSettings service = SettingsLoader.loadText(text, overrides, origin, "serve");
        Config c = ConfigFactory.parseString(service.renderedConfig()).withFallback(SettingsLoader.defaults())
                .getConfig("serve");
        String host = c.getString("host");
        if (host.isBlank()) {
            throw new UserError("serve.host must name an address, e.g. 127.0.0.1");
        }
        int port = SettingsLoader.nonNegative(c, "port", "serve.port");
        if (port > 65535) {
            throw new UserError("serve.port must be a TCP port (0-65535), got " + port);
        }
        long maxBody;
        try {
            maxBody = c.getBytes("maxBodyBytes");
        } catch (ConfigException e) {
            throw new UserError("serve.maxBodyBytes: expected a size such as 1 MiB or 65536, got '"
                    + c.getValue("maxBodyBytes").unwrapped() + "'");
        }
        if (maxBody < 1024) {
            throw new UserError("serve.maxBodyBytes must be at least 1 KiB, got " + maxBody);
        }
        Duration drain = duration(c, "drainTimeout", false);
        Duration retention = duration(c, "metricsRetention", true);
        String group = c.getString("group").trim();
        String instance = c.getString("instance").trim();
        if (instance.isEmpty()) {
            instance = defaultInstance();
        }
        if (!group.isEmpty()) {
            if (!group.matches("[A-Za-z0-9._-]{1,200}")) {
                throw new UserError("serve.group '" + group + "' may contain only letters, digits, '.', '_' and '-'");
            }
            if (!service.kafka().enabled() || service.kafka().embedded()) {
                throw new UserError("serve.group = '" + group + "' needs the Kafka cluster the group shares: set kafka.bootstrap "
                        + "(--kafka host:port; ./terrain kafka starts one); an embedded broker would be private to this instance");
            }
        }
        if (!instance.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new UserError("serve.instance '" + instance + "' may contain only letters, digits, '.', '_' and '-'");
        }
        Duration session = duration(c, "sessionTimeout", false);
        if (session.toMillis() < 6000 || session.toMillis() > 300_000) {
            throw new UserError("serve.sessionTimeout must lie between 6s and 5 minutes (the broker's group session bounds), got "
                    + session);
        }
        return new ServeSettings(host, port, SettingsLoader.positive(c, "concurrency", "serve.concurrency"),
                SettingsLoader.positive(c, "queueLimit", "serve.queueLimit"), maxBody, drain, retention, group, instance,
                SettingsLoader.positive(c, "partitions", "serve.partitions"), session, service);
    }

    /** host name and process id: unique among live instances, new after a restart. */
    private static String defaultInstance() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "terrain";
        }
        String name = (host + "-" + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._-]", "-");
        return name.startsWith(".") ? "t" + name : name;
    }

    private static Duration duration(Config c, String key, boolean zeroAllowed) {
        Duration d;
        try {
            d = c.getDuration(key);
        } catch (ConfigException e) {
            throw new UserError("serve." + key + ": expected a duration such as 30s or 2 minutes, got '"
                    + c.getValue(key).unwrapped() + "'");
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new UserError("serve." + key + " must be " + (zeroAllowed ? "zero or positive" : "positive") + ", got " + d);
        }
        return d;
    }
}
