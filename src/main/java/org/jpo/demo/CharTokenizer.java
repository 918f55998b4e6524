package org.jpo.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.nio.file.Path;
import java.util.List;

/**
 * A character-level HF tokenizer for the addition task, written as {@code tokenizer.json} so the ordinary HF
 * loaders (ours, the Rust library, transformers) read it: a WordLevel model over single characters, a pre-tokenizer
 * that splits every character off ({@code Split} on the regex {@code [\s\S]}), a template that puts {@code <s>} first,
 * and the {@code Fuse} decoder, which joins tokens without the spaces WordLevel's default decoding inserts.
 * {@code tokenizer_config.json} names BOS and EOS, which is where {@code SpecialIds} looks for them.
 */
public final class CharTokenizer {
    /** Ids 0..2, Llama's order; the characters follow. */
    public static final String UNK = "<unk>", BOS = "<s>", EOS = "</s>";
    /** Every character a prompt or completion of {@link AdditionTask} uses. */
    public static final String ALPHABET = "0123456789+=";

    private CharTokenizer() {}

    /** Vocabulary size: the three special tokens and one token per character. */
    public static int vocabSize(String alphabet) { return 3 + alphabet.length(); }

    /** The addition task's: {@link #vocabSize(String)} of {@link #ALPHABET}. */
    public static int vocabSize() { return vocabSize(ALPHABET); }

    /** The addition task's tokenizer: {@link #write(Path, String)} of {@link #ALPHABET}. */
    public static List<Path> write(Path dir) { return write(dir, ALPHABET); }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir}; returns both paths. The characters
     * of {@code alphabet} get ids 3, 4, ... in order.
     */
    public static List<Path> write(Path dir, String alphabet) {
        Path json = dir.resolve("tokenizer.json"), config = dir.resolve("tokenizer_config.json");
        Jsonl.writePretty(json, tokenizerJson(alphabet));
        ObjectNode c = Jsonl.JSON.createObjectNode().put("bos_token", BOS).put("eos_token", EOS).put("unk_token", UNK)
                .put("add_bos_token", true).put("add_eos_token", false).put("tokenizer_class", "PreTrainedTokenizerFast");
        Jsonl.writePretty(config, c);
        return List.of(json, config);
    }

    private static ObjectNode tokenizerJson(String alphabet) {
        ObjectNode root = Jsonl.JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        List<String> special = List.of(UNK, BOS, EOS);
        for (int id = 0; id < special.size(); id++) {
            added.addObject().put("id", id).put("content", special.get(id)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode split = root.putObject("pre_tokenizer").put("type", "Split");
        split.putObject("pattern").put("Regex", "[\\s\\S]");   // every character alone: "." skips newlines, leaving "\n\n" one unknown piece
        split.put("behavior", "Isolated").put("invert", false);
        root.set("post_processor", bosTemplate());
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model").put("type", "WordLevel").put("unk_token", UNK);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < special.size(); id++) vocab.put(special.get(id), id);
        for (int i = 0; i < alphabet.length(); i++) vocab.put(String.valueOf(alphabet.charAt(i)), 3 + i);
        return root;
    }

    /** {@code <s> $A} (and {@code <s> $A <s> $B} for pairs): encode with special tokens prepends BOS. */
    private static ObjectNode bosTemplate() {
        ObjectNode t = Jsonl.JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = t.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = t.putArray("pair");
        pair.addAll(single.deepCopy());
        pair.addObject().putObject("SpecialToken").put("id", BOS).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = t.putObject("special_tokens").putObject(BOS).put("id", BOS);
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add(BOS);
        return t;
    }
}
