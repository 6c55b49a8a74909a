package dev.terrain.ops.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.train.SetSampling;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a run: {@code reference.conf} defaults (block {@code terrain}), then the run file, then
 * {@code -Dkey=value} overrides, into {@link RunSettings}. Any unknown key or badly typed value fails
 * here, before anything is written, with the key's name.
 */
public final class SettingsLoader {
    /** Sections whose keys are checked elsewhere (problem parameters, term names, point set names). */
    private static final Set<String> OPEN_SECTIONS = Set.of("problem", "loss.weights", "sampling.sets");

    private SettingsLoader() {}

    public static Config defaults() {
        return Defaults.TERRAIN;
    }

    /**
     * The {@code terrain} block of reference.conf alone. Not {@code ConfigFactory.defaultReference()}: it lays
     * the JVM's system properties over reference.conf, so the launcher's {@code -Dterrain.home} became a
     * setting {@code home} in every rendered configuration, which a service started without that property
     * then refused as unknown.
     */
    private static final class Defaults {
        static final Config TERRAIN = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf")
                .resolve().getConfig("terrain");
    }

    /** Loads {@code file} with {@code overrides} (key = value strings, parsed as HOCON values). */
    public static RunSettings load(File file, Map<String, String> overrides) {
        if (!file.isFile()) {
            throw new UserError("config file not found: " + file);
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        return load(user, overrides, file.toString(), file.getName().replaceFirst("\\.conf$", ""));
    }

    /**
     * Loads a run from HOCON text (a run's {@link RunSettings#renderedConfig()}, as a remote probe worker
     * receives it) with {@code overrides} on top, validated exactly as a run file is.
     *
     * @param origin names the text in error messages (e.g. "the configuration of run x")
     * @param name   the run name used when the text sets no {@code run.id}
     */
    public static RunSettings loadText(String hocon, Map<String, String> overrides, String origin, String name) {
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(origin));
        } catch (ConfigException e) {
            throw new UserError("cannot read " + origin + ": " + e.getMessage());
        }
        return load(user, overrides, origin, name);
    }

    /**
     * Checks that {@code overrides} name known settings with values of the right type, without a run to
     * apply them to: a remote probe worker's overrides meet each run's configuration only later, and
     * whether they fit it (e.g. a probe cadence against the run's snapshot cadence) is checked then.
     */
    public static void checkOverrides(Map<String, String> overrides) {
        try {
            checkKnownKeys(overrides(overrides).resolve(), defaults());
        } catch (ConfigException e) {
            throw new UserError("bad override: " + e.getMessage());
        }
    }

    private static RunSettings load(Config parsed, Map<String, String> overrides, String origin, String name) {
        Config user;
        try {
            user = overrides(overrides).withFallback(parsed).resolve();
        } catch (ConfigException e) {
            throw new UserError("cannot read " + origin + ": " + e.getMessage());
        }
        checkKnownKeys(user, defaults());
        Config c = user.withFallback(defaults());
        try {
            return read(c, name);
        } catch (ConfigException.WrongType e) {
            throw new UserError("bad value: " + e.getMessage());
        } catch (ConfigException e) {
            throw new UserError(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static Config overrides(Map<String, String> overrides) {
        Config out = ConfigFactory.empty();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            Config one;
            try {
                one = ConfigFactory.parseString(e.getKey() + " = " + e.getValue());
            } catch (ConfigException notHocon) {
                // A bare word HOCON cannot parse (e.g. a path with colons) is taken as a string.
                try {
                    one = ConfigFactory.empty().withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
                } catch (ConfigException badKey) {
                    throw new UserError("bad override -D" + e.getKey() + "=" + e.getValue() + ": " + badKey.getMessage());
                }
            }
            out = one.withFallback(out);
        }
        return out;
    }

    /** Every leaf path of the user's config must exist in the defaults, except in open sections. */
    static void checkKnownKeys(Config user, Config defaults) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String path = e.getKey();
            if (OPEN_SECTIONS.stream().anyMatch(s -> path.startsWith(s + "."))) {
                continue;
            }
            if (!defaults.hasPathOrNull(path)) {
                throw new UserError("unknown setting '" + path + "'; valid keys here: " + siblings(defaults, path));
            }
            ConfigValueType expected = defaults.getValue(path).valueType();
            ConfigValueType got = e.getValue().valueType();
            if (expected == ConfigValueType.OBJECT && got != ConfigValueType.OBJECT) {
                throw new UserError("setting '" + path + "' must be a block { ... }, got " + got.name().toLowerCase(Locale.ROOT));
            }
            checkType(path, expected, e.getValue());
        }
    }

    /** HOCON converts "10" to a number and "true" to a boolean; anything else of the wrong type fails here. */
    private static void checkType(String path, ConfigValueType expected, ConfigValue value) {
        Object raw = value.unwrapped();
        boolean ok = switch (expected) {
            case NUMBER -> value.valueType() == ConfigValueType.NUMBER || raw instanceof String str && isNumber(str);
            case BOOLEAN -> value.valueType() == ConfigValueType.BOOLEAN
                    || raw instanceof String str && str.matches("true|false|yes|no|on|off");
            case LIST -> value.valueType() == ConfigValueType.LIST;
            case STRING -> value.valueType() != ConfigValueType.LIST && value.valueType() != ConfigValueType.OBJECT;
            default -> true;
        };
        if (!ok) {
            throw new UserError("setting '" + path + "' must be " + article(expected) + ", got '" + raw + "'");
        }
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s.trim());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String article(ConfigValueType t) {
        return switch (t) {
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
            case LIST -> "a list [ ... ]";
            default -> "a string";
        };
    }

    private static String siblings(Config defaults, String path) {
        int dot = path.lastIndexOf('.');
        Config parent = dot < 0 ? defaults : defaults.hasPath(path.substring(0, dot))
                && defaults.getValue(path.substring(0, dot)).valueType() == ConfigValueType.OBJECT
                ? defaults.getConfig(path.substring(0, dot)) : null;
        if (parent == null) {
            return String.join(", ", new TreeSet<>(defaults.root().keySet()));
        }
        String prefix = dot < 0 ? "" : path.substring(0, dot) + ".";
        List<String> keys = new ArrayList<>();
        for (String k : new TreeSet<>(parent.root().keySet())) {
            keys.add(prefix + k);
        }
        return String.join(", ", keys);
    }

    private static RunSettings read(Config c, String name) {
        Config problem = c.getConfig("problem");
        Map<String, Object> params = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : problem.root().entrySet()) {
            if (!e.getKey().equals("id") && !e.getKey().equals("loss")) {
                params.put(e.getKey(), e.getValue().unwrapped());
            }
        }
        Config n = c.getConfig("network");
        Activation activation = named("network.activation", () -> Activation.byId(n.getString("activation")));
        Initializer init = named("network.init", () -> Initializer.byId(n.getString("init")));
        int width = positive(n, "width", "network.width");
        int depth = nonNegative(n, "depth", "network.depth");
        String out = n.getString("outputActivation");
        Activation outputActivation = out.equalsIgnoreCase("none") ? null
                : named("network.outputActivation", () -> Activation.byId(out));
        NetworkSpec network = named("network.type", () -> new NetworkSpec(n.getString("type"), width, depth,
                n.getIntList("layers"), activation, n.getDouble("rho"), init, n.getIntList("fourier.exponents"),
                n.getBoolean("fourier.includeInput"), outputActivation));
        Map<String, Double> weights = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig("loss.weights").root().entrySet()) {
            weights.put(e.getKey(), c.getDouble("loss.weights." + quote(e.getKey())));
        }
        return new RunSettings(problem.getString("id"), problem.getString("loss"), params, network,
                n.getLong("seed"), weights, annealing(c.getConfig("loss.annealing")), sampling(c.getConfig("sampling")), optimizer(c.getConfig("optimizer")),
                train(c.getConfig("train")),
                new RunSettings.CheckpointSettings(nonNegativeLong(c, "checkpoint.every", "checkpoint.every"),
                        positive(c, "checkpoint.keep", "checkpoint.keep")),
                PipelineLoader.read(c), PipelineLoader.kafka(c.getConfig("kafka")),
                PipelineLoader.prometheus(c.getConfig("prometheus")),
                c.getString("run.dir"), c.getString("run.id").isEmpty() ? name + "-"
                        + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                        : c.getString("run.id"),
                oneOf(c, "device", "device", List.of("cpu", "gpu", "auto")), nonNegative(c, "threads", "threads"), render(c));
    }

    /** Runs a parse step, prefixing its complaint with the setting's name. */
    public static <T> T named(String key, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UserError(key + ": " + e.getMessage(), e);
        }
    }

    private static RunSettings.Sampling sampling(Config s) {
        Map<String, SetSampling> sets = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : s.getConfig("sets").root().entrySet()) {
            String key = "sets." + quote(e.getKey());
            if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                throw new UserError("sampling." + key + " must be a block { rule = ..., points = ... }");
            }
            Config set = s.getConfig(key);
            for (String k : set.root().keySet()) {
                if (!k.equals("rule") && !k.equals("points")) {
                    throw new UserError("unknown setting 'sampling." + key + "." + k + "'; valid: rule, points");
                }
            }
            sets.put(e.getKey(), setSampling(set.withFallback(s.getConfig("default")), "sampling." + key));
        }
        return new RunSettings.Sampling(s.getBoolean("resample"), s.getLong("seed"), positive(s, "testPoints", "sampling.testPoints"),
                setSampling(s.getConfig("default"), "sampling.default"), sets);
    }

    private static SetSampling setSampling(Config set, String where) {
        Rule rule;
        try {
            rule = Rule.byId(set.getString("rule"));
        } catch (IllegalArgumentException e) {
            throw new UserError(where + ".rule: " + e.getMessage());
        }
        int points = set.getInt("points");
        if (points < 1) {
            throw new UserError(where + ".points must be positive, got " + points);
        }
        return new SetSampling(rule, points);
    }

    private static RunSettings.OptimizerSettings optimizer(Config o) {
        double lr = positiveNumber(o, "lr", "optimizer.lr");
        long every = o.getLong("schedule.every");
        if (every < 1) {
            throw new UserError("optimizer.schedule.every must be at least 1, got " + every);
        }
        return new RunSettings.OptimizerSettings(
                oneOf(o, "type", "optimizer.type", List.of("adam", "gd", "lbfgs", "isgd", "lsgd")), lr,
                o.getDouble("beta1"), o.getDouble("beta2"), o.getDouble("eps"),
                oneOf(o, "schedule.type", "optimizer.schedule.type", List.of("constant", "cosine", "step")),
                o.getDouble("schedule.minLr"), o.getDouble("schedule.gamma"), every, lbfgs(o.getConfig("lbfgs")),
                isgd(o.getConfig("isgd")), oneOf(o, "lsgd.gradient", "optimizer.lsgd.gradient", List.of("adam", "gd")));
    }

    private static Lbfgs.Settings lbfgs(Config l) {
        int maxIter = positive(l, "maxIter", "optimizer.lbfgs.maxIter");
        int maxEval = nonNegative(l, "maxEval", "optimizer.lbfgs.maxEval");
        return named("optimizer", () -> new Lbfgs.Settings(positiveNumber(l, "lr", "optimizer.lbfgs.lr"), maxIter,
                maxEval == 0 ? maxIter * 5 / 4 : maxEval, l.getDouble("toleranceGrad"), l.getDouble("toleranceChange"),
                positive(l, "history", "optimizer.lbfgs.history"),
                oneOf(l, "lineSearch", "optimizer.lbfgs.lineSearch", List.of("strong-wolfe", "none")).equals("strong-wolfe")));
    }

    private static RunSettings.Isgd isgd(Config i) {
        long k0 = nonNegativeLong(i, "k0", "optimizer.isgd.k0");
        int k1 = positive(i, "k1", "optimizer.isgd.k1");
        return new RunSettings.Isgd(positiveNumber(i, "alpha", "optimizer.isgd.alpha"), k0, k1,
                positiveNumber(i, "gamma", "optimizer.isgd.gamma"), positiveNumber(i, "eta", "optimizer.isgd.eta"),
                oneOf(i, "inner", "optimizer.isgd.inner", List.of("adam", "lbfgs")),
                oneOf(i, "outer", "optimizer.isgd.outer", List.of("adam", "lbfgs")));
    }

    private static RunSettings.Annealing annealing(Config a) {
        double alpha = a.getDouble("alpha");
        if (!(alpha > 0 && alpha <= 1)) {
            throw new UserError("loss.annealing.alpha must be in (0, 1], got " + alpha);
        }
        return new RunSettings.Annealing(a.getBoolean("enabled"), positiveLong(a, "every", "loss.annealing.every"),
                alpha, a.getString("reference"),
                oneOf(a, "gradient", "loss.annealing.gradient", List.of("unweighted", "weighted")).equals("weighted"));
    }

    private static double positiveNumber(Config c, String key, String full) {
        double v = c.getDouble(key);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new UserError(full + " must be a positive number, got " + v);
        }
        return v;
    }

    private static RunSettings.Train train(Config t) {
        return new RunSettings.Train(positiveLong(t, "steps", "train.steps"), oneOf(t, "dtype", "train.dtype", List.of("float32", "float64")),
                positiveLong(t, "logEvery", "train.logEvery"), positiveLong(t, "printEvery", "train.printEvery"),
                nonNegativeLong(t, "saveEvery", "train.saveEvery"), shards(t),
                oneOf(t, "reverse", "train.reverse", List.of("taped", "autograd")).equals("taped"));
    }

    private static int shards(Config t) {
        int v = positive(t, "shards", "train.shards");
        if (v > 64) {
            throw new UserError("train.shards must be at most 64 (one part per CPU core), got " + v);
        }
        return v;
    }

    static String oneOf(Config c, String key, String full, List<String> valid) {
        String v = c.getString(key).toLowerCase(Locale.ROOT);
        if (!valid.contains(v)) {
            throw new UserError("unknown value '" + v + "' for " + full + "; valid: " + String.join(", ", valid));
        }
        return v;
    }

    static int positive(Config c, String key, String full) {
        int v = c.getInt(key);
        if (v < 1) {
            throw new UserError(full + " must be at least 1, got " + v);
        }
        return v;
    }

    static int nonNegative(Config c, String key, String full) {
        int v = c.getInt(key);
        if (v < 0) {
            throw new UserError(full + " must not be negative, got " + v);
        }
        return v;
    }

    static long positiveLong(Config c, String key, String full) {
        long v = c.getLong(key);
        if (v < 1) {
            throw new UserError(full + " must be at least 1, got " + v);
        }
        return v;
    }

    static long nonNegativeLong(Config c, String key, String full) {
        long v = c.getLong(key);
        if (v < 0) {
            throw new UserError(full + " must not be negative, got " + v);
        }
        return v;
    }

    private static String quote(String key) {
        return ConfigUtil.joinPath(key);
    }

    /** The resolved settings as HOCON, written to the run directory's config.conf. */
    private static String render(Config c) {
        return c.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }
}
