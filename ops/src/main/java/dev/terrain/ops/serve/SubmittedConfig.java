package dev.terrain.ops.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.net.URL;

/**
 * A run configuration as a client submits it (HOCON or JSON text), parsed the way a service must: no
 * {@code include} (it would read the server's files or URLs) and substitutions resolved within the text
 * only (never from the server's environment, whose values an error message would echo back). The
 * result is plain HOCON text with nothing left to include or substitute.
 */
final class SubmittedConfig {
    private SubmittedConfig() {}

    /** Parses {@code body}; {@code json} selects strict JSON syntax. Every failure is a 400. */
    static Config parse(String body, boolean json) {
        if (body.isBlank()) {
            throw ApiError.badRequest("the request body is empty; send a run configuration (HOCON or JSON), e.g. "
                    + "{\"problem\": {\"id\": \"poisson\"}, \"train\": {\"steps\": 500}}");
        }
        ConfigParseOptions options = ConfigParseOptions.defaults().setIncluder(new NoIncludes())
                .setOriginDescription("the request body").setSyntax(json ? ConfigSyntax.JSON : ConfigSyntax.CONF);
        try {
            return ConfigFactory.parseString(body, options).resolve(ConfigResolveOptions.noSystem());
        } catch (ConfigException e) {
            throw ApiError.badRequest("the request body is not a valid " + (json ? "JSON" : "HOCON")
                    + " run configuration: " + e.getMessage());
        } catch (StackOverflowError e) {
            throw ApiError.badRequest("the request body is nested too deeply to be a run configuration");
        }
    }

    /** The parsed configuration as HOCON text without includes or substitutions. */
    static String render(Config c) {
        return c.root().render(ConfigRenderOptions.concise().setJson(false));
    }

    /** Refuses every kind of include. */
    private static final class NoIncludes
            implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
        private static ConfigException refused(String what) {
            return new ConfigException.Generic("'include " + what + "' is not allowed in a submitted run configuration");
        }

        @Override
        public ConfigIncluder withFallback(ConfigIncluder fallback) {
            return this;
        }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            throw refused("\"" + what + "\"");
        }

        @Override
        public ConfigObject includeFile(ConfigIncludeContext context, File what) {
            throw refused("file(...)");
        }

        @Override
        public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
            throw refused("url(...)");
        }

        @Override
        public ConfigObject includeResources(ConfigIncludeContext context, String what) {
            throw refused("classpath(...)");
        }
    }
}
