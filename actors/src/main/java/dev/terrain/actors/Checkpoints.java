package dev.terrain.actors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of a run, {@code runs/<id>/checkpoints/step-<N>.ckpt}. A file is one header line
 * {@code terrain-checkpoint <format> length=<bytes> crc32c=<hex>} followed by the JSON of a
 * {@link Checkpoint}; it is written to a temporary file, fsynced and renamed, so a crash leaves either
 * the old set or the new file complete. Only the newest {@code keep} are kept. Loading verifies the
 * length and checksum and falls back to the next older checkpoint when the newest is truncated or
 * corrupt, logging which one it skipped and why.
 */
public final class Checkpoints implements CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.ckpt");
    private static final Pattern HEADER = Pattern.compile("terrain-checkpoint (\\d+) length=(\\d+) crc32c=([0-9a-f]{8})");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path dir;
    private final int keep;

    public Checkpoints(Path runDir, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoint.keep must be at least 1, got " + keep);
        }
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    public Path directory() {
        return dir;
    }

    /** Writes {@code c} atomically, then deletes all but the newest {@code keep} checkpoints. */
    public Path write(Checkpoint c) {
        try {
            byte[] body = MAPPER.writeValueAsBytes(c);
            CRC32C crc = new CRC32C();
            crc.update(body);
            String header = String.format(Locale.ROOT, "terrain-checkpoint %d length=%d crc32c=%08x%n", c.format(),
                    body.length, crc.getValue());
            byte[] head = header.getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            Path target = dir.resolve(String.format(Locale.ROOT, "step-%012d.ckpt", c.step()));
            DurableFiles.writeAtomically(target, all);
            prune();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + dir, e);
        }
    }

    private void prune() throws IOException {
        List<Path> all = list();
        for (int i = keep; i < all.size(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Checkpoint files, newest (highest step) first. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(Checkpoints::stepOf).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** A loaded checkpoint and the file it came from. */
    public record Loaded(Checkpoint checkpoint, Path file, List<String> skipped) {}

    @Override
    public String save(Checkpoint checkpoint) {
        return write(checkpoint).toString();
    }

    @Override
    public Optional<CheckpointStore.Loaded> latest() {
        return newest().map(l -> new CheckpointStore.Loaded(l.checkpoint(), l.file().toString(), l.skipped()));
    }

    /**
     * The newest checkpoint that verifies, or empty when there is none at all; fails naming every file
     * when checkpoints exist but none is readable.
     */
    public Optional<Loaded> newest() {
        List<Path> files = list();
        List<String> skipped = new ArrayList<>();
        for (Path f : files) {
            try {
                Checkpoint c = read(f);
                return Optional.of(new Loaded(c, f, skipped));
            } catch (IOException | IllegalStateException e) {
                String why = f.getFileName() + ": " + e.getMessage();
                LOG.warn("skipping checkpoint {}", why);
                skipped.add(why);
            }
        }
        if (!files.isEmpty()) {
            throw new Unusable("no usable checkpoint in " + dir + ": " + String.join("; ", skipped));
        }
        return Optional.empty();
    }

    /** Reads and verifies one checkpoint file. */
    public static Checkpoint read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int newline = 0;
        while (newline < all.length && all[newline] != '\n') {
            newline++;
        }
        if (newline == all.length) {
            throw new IllegalStateException("no header line (truncated or not a checkpoint)");
        }
        String header = new String(all, 0, newline, StandardCharsets.US_ASCII).trim();
        Matcher m = HEADER.matcher(header);
        if (!m.matches()) {
            throw new IllegalStateException("bad header '" + header + "'");
        }
        int format = Integer.parseInt(m.group(1));
        if (format != Checkpoint.FORMAT) {
            throw new IllegalStateException("format " + format + " is not the supported " + Checkpoint.FORMAT);
        }
        int length = Integer.parseInt(m.group(2));
        int have = all.length - newline - 1;
        if (have != length) {
            throw new IllegalStateException("body has " + have + " bytes, header says " + length + " (truncated)");
        }
        CRC32C crc = new CRC32C();
        crc.update(all, newline + 1, length);
        String got = String.format(Locale.ROOT, "%08x", crc.getValue());
        if (!got.equals(m.group(3))) {
            throw new IllegalStateException("checksum " + got + " does not match the header's " + m.group(3));
        }
        return MAPPER.readValue(all, newline + 1, length, Checkpoint.class);
    }

    /** SHA-256 of a run's resolved configuration text, to tie a checkpoint to the config it was trained with. */
    public static String configHash(String renderedConfig) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(renderedConfig.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every checkpoint file of a run failed its check: nothing to resume from. */
    public static final class Unusable extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message);
        }
    }
}
