package org.jpo.train;

import org.jpo.data.DataOptions;
import org.jpo.UserError;
import org.jpo.loss.FDivergence;
import org.jpo.loss.LossConfig;
import org.jpo.train.ConfigSource.Entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads, prints and writes {@link TrainConfig}s. Checks run in the order a user fixes things: unknown keys
 * (with the closest valid key), missing required keys, value types, keys the run would not read, ranges and
 * contradictions, then input files. Every message starts with {@code file:line} or the override at fault.
 */
public final class TrainConfigs {
    private TrainConfigs() {}

    /**
     * A YAML config plus {@code key=value} overrides (dotted keys inside a block, e.g. {@code simpo.gamma=1.0};
     * values are YAML, e.g. {@code loss_type=[sigmoid,sft]}), validated. Relative paths in the file resolve
     * against the file's directory; in overrides, against the working directory, as for any command-line path.
     *
     * @throws UserError naming the file and line, or the override, and what was expected
     */
    public static TrainConfig load(Path yaml, List<String> overrides) {
        String file = yaml.toString();
        Path dir = yaml.toAbsolutePath().normalize().getParent();
        ConfigSource source = ConfigSource.parse(file, read(yaml), dir, ConfigKeys.BLOCKS);
        Path cwd = Path.of("").toAbsolutePath();
        for (String o : overrides) source.override(o, cwd);
        return resolve(file, source.entries());
    }

    /** Every key with its default and a comment saying what it means (what {@code jpo train --print-defaults} prints). */
    public static String defaultsYaml() {
        return ConfigYaml.render("jpo train config: every key with its default. Keys are TRL's names where TRL has one;\n"
                + "null means the default described above the key. Relative paths resolve against this file's directory.\n"
                + "Any key can be overridden on the command line: jpo train CONFIG key=value (simpo.gamma=1.0 in a block).",
                Key::shownDefault);
    }

    /**
     * The resolved config as YAML, with comments and absolute paths; {@link #load} reads it back, from any
     * directory, to an equal record. (A record built by hand that sets a key its run would not read, e.g. beta
     * for method sft, is written as it is and then refused by {@code load}.)
     */
    public static String toYaml(TrainConfig c) {
        return ConfigYaml.render("jpo train config, resolved: every key with the value the run used.", k -> k.valueIn(c));
    }

    private static String read(Path yaml) {
        try {
            byte[] bytes = Files.readAllBytes(yaml);
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new UserError(yaml + ": config file not found");
        } catch (CharacterCodingException e) {
            throw new UserError(yaml + ": not valid UTF-8");
        } catch (IOException e) {
            throw new UserError(yaml + ": cannot read the config: " + e, e);
        }
    }

    private static TrainConfig resolve(String file, Map<String, Entry> entries) {
        rejectUnknown(entries);
        requirePresent(file, entries);
        Key.Resolved r = new Key.Resolved();
        for (Key k : ConfigKeys.BY_NAME.values()) r.put(k.name, value(k, entries.get(k.name), r));
        rejectUnread(entries, r);
        TrainConfig c = build(r, located(file, entries));
        checkInputs(r, located(file, entries));
        return c;
    }

    private static void rejectUnknown(Map<String, Entry> entries) {
        for (Entry e : entries.values()) {
            if (ConfigKeys.BY_NAME.containsKey(e.key())) continue;
            String at = e.where().label() + ": ";
            if (ConfigKeys.BLOCKS.contains(e.key())) {
                throw new UserError(at + e.key() + ": expected a block of " + e.key() + "'s keys, e.g. "
                        + example(e.key()) + ", got " + Value.json(e.value()));
            }
            String trl = ConfigKeys.TRL_SPELLINGS.get(e.key());
            String advice = trl != null ? "; " + trl : Suggest.didYouMean(e.key(), ConfigKeys.BY_NAME.keySet());
            throw new UserError(at + "unknown key '" + e.key() + "'"
                    + (advice.isEmpty() ? "; jpo train --print-defaults lists the keys" : advice));
        }
    }

    private static String example(String block) {
        Key k = ConfigKeys.BY_NAME.values().stream().filter(x -> x.name.startsWith(block + ".")).findFirst().orElseThrow();
        return block + ": {" + k.name.substring(block.length() + 1) + ": " + k.type.write(k.shownDefault()) + "}";
    }

    private static void requirePresent(String file, Map<String, Entry> entries) {
        List<String> missing = new ArrayList<>();
        for (Key k : ConfigKeys.BY_NAME.values()) {
            Entry e = entries.get(k.name);
            if (k.isRequired() && (e == null || e.isNull())) missing.add(k.name);
        }
        if (!missing.isEmpty()) {
            throw new UserError(file + ": missing required key" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " (jpo train --print-defaults shows every key)");
        }
    }

    private static Object value(Key k, Entry e, Key.Resolved r) {
        if (e == null || e.isNull()) return k.defaultValue(r);
        try {
            return k.type.parse(e.value(), e.where().baseDir());
        } catch (Value.Bad bad) {
            throw new UserError(e.where().label() + ": " + k.name + ": " + bad.getMessage());
        }
    }

    /** A key the run would not read may be given only with its default value. */
    private static void rejectUnread(Map<String, Entry> entries, Key.Resolved r) {
        for (Entry e : entries.values()) {
            Key k = ConfigKeys.BY_NAME.get(e.key());
            if (e.isNull() || Objects.equals(r.get(k.name), k.defaultValue(r))) continue;
            String why = k.unreadReason(r);
            if (why != null) throw new ConfigError(k.name, e.where().label() + ": " + k.name + " is set, but " + why);
        }
    }

    /** Where a key was set: its file line or override, else the file. */
    private static Function<String, String> located(String file, Map<String, Entry> entries) {
        return key -> entries.containsKey(key) ? entries.get(key).where().label() : file;
    }

    private static TrainConfig build(Key.Resolved r, Function<String, String> at) {
        try {
            LossConfig loss = loss(r);
            return new TrainConfig(r.method(), r.path("model"), Optional.ofNullable(r.path("tokenizer")), r.path("train_file"),
                    Optional.ofNullable(r.path("eval_file")), r.number("eval_fraction"), r.path("output_dir"), loss,
                    optimization(r), data(r), reference(r), kto(r), new TrainConfig.Reward(r.number("center_rewards_coefficient")),
                    logging(r), (Long) r.get("seed"));
        } catch (ConfigError e) {
            throw new ConfigError(e.key(), at.apply(e.key()) + ": " + e.getMessage());
        }
    }

    /**
     * The loss config from the loss keys. Its errors do not say which key they are about, so on failure each
     * knob set is tried alone with a loss that reads it; the first to fail is the culprit, else loss_type or
     * loss_weights is.
     */
    private static LossConfig loss(Key.Resolved r) {
        double a = r.number("f_alpha_divergence_coef");
        if (r.get("f_divergence_type") == FDivergence.Type.ALPHA_DIVERGENCE && (a == 0 || !Double.isFinite(a))) {
            throw new ConfigError("f_alpha_divergence_coef", "f_alpha_divergence_coef must be a finite number != 0, got " + a);
        }
        LossConfig.Builder b = LossConfig.builder();
        List<Key> keys = ConfigKeys.BY_NAME.values().stream().filter(Key::isLossKey).toList();
        for (Key k : keys) k.setOn(b, r.get(k.name));
        try {
            return b.build();
        } catch (UserError whole) {
            for (Key k : keys) {
                boolean combination = k.name.equals("loss_type") || k.name.equals("loss_weights");
                if (combination || Objects.equals(r.get(k.name), k.defaultValue(r))) continue;
                try {
                    k.probe(r.losses(), r.get(k.name)).build();
                } catch (UserError alone) {
                    throw new ConfigError(k.name, lossMessage(k.name, alone));
                }
            }
            String key = whole.getMessage().contains("weights") ? "loss_weights" : "loss_type";
            throw new ConfigError(key, lossMessage(key, whole));
        }
    }

    /** The loss library's message in config words: {@code simpo_gamma} becomes {@code simpo.gamma}, the key named once. */
    private static String lossMessage(String key, UserError e) {
        String m = e.getMessage().replaceFirst("^loss (config|settings): ", "");
        if (key.equals("loss_weights")) m = m.replaceFirst("^weights", "loss_weights").replace("but loss has", "but loss_type has");
        m = m.replace(key.replace('.', '_'), key);
        return m.contains(key) ? m : key + ": " + m;
    }

    private static TrainConfig.Optimization optimization(Key.Resolved r) {
        return new TrainConfig.Optimization(r.number("learning_rate"), r.number("num_train_epochs"), r.integer("max_steps"),
                r.integer("per_device_train_batch_size"), r.integer("per_device_eval_batch_size"),
                r.integer("gradient_accumulation_steps"), r.number("warmup_ratio"), r.integer("warmup_steps"),
                (TrainConfig.Scheduler) r.get("lr_scheduler_type"), r.number("weight_decay"), r.number("adam_beta1"),
                r.number("adam_beta2"), r.number("adam_epsilon"), r.number("max_grad_norm"));
    }

    private static TrainConfig.Data data(Key.Resolved r) {
        return new TrainConfig.Data(r.integer("max_length"), r.integer("max_prompt_length"), (DataOptions.OnBadRow) r.get("on_bad_row"));
    }

    private static TrainConfig.Reference reference(Key.Resolved r) {
        Object ref = r.get("reference");
        return new TrainConfig.Reference("none".equals(ref), Optional.ofNullable(ref instanceof Path p ? p : null),
                r.bool("sync_ref_model"), r.number("ref_model_mixup_alpha"), r.integer("ref_model_sync_steps"));
    }

    private static TrainConfig.Kto kto(Key.Resolved r) {
        return new TrainConfig.Kto(r.number("desirable_weight"), r.number("undesirable_weight"));
    }

    private static TrainConfig.Logging logging(Key.Resolved r) {
        return new TrainConfig.Logging(r.integer("logging_steps"), r.integer("save_steps"), r.integer("eval_steps"),
                r.integer("save_total_limit"));
    }

    /** Input paths must exist now rather than fail after the model has loaded. */
    private static void checkInputs(Key.Resolved r, Function<String, String> at) {
        for (String key : ConfigKeys.INPUTS) {
            Path p = ConfigKeys.inputPath(r, key);
            if (p == null) continue;
            if (!Files.exists(p)) throw new ConfigError(key, at.apply(key) + ": " + key + ": no such file or directory: " + p);
            if (ConfigKeys.isInputFile(key) && !Files.isRegularFile(p)) {
                throw new ConfigError(key, at.apply(key) + ": " + key + ": not a file: " + p);
            }
        }
    }
}
