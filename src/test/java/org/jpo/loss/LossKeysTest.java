package org.jpo.loss;

import org.jpo.config.Binder;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The keys each loss declares it reads (LossType) are the loss keys a config file can set, and each is read by some loss. */
class LossKeysTest {
    private static final List<String> KNOBS = Binder.keys(LossConfig.Knobs.class);

    @Test void everyKnobIsReadBySomeLoss() {
        for (String key : KNOBS) {
            assertTrue(Arrays.stream(LossType.values()).anyMatch(t -> t.readsKey(key)), key + " is read by no loss");
        }
    }

    @Test void everyDeclaredKeyIsAKnob() {
        for (LossType t : LossType.values()) {
            for (String key : t.declaredKeys()) assertTrue(KNOBS.contains(key), t + " declares " + key + ", which is no loss key");
        }
    }

    /** A loss reads its own block and nobody else's. */
    @Test void aBlockIsReadByItsLossOnly() {
        assertTrue(LossType.SIMPO.readsKey("simpo.gamma"));
        assertFalse(LossType.CPO.readsKey("simpo.gamma"));
        assertFalse(LossType.SIGMOID.readsKey("simpo.gamma"));
    }

    /** The messages name the readers briefly: by kind, by exception, or by name. */
    @Test void unreadKeysNameTheirReaders() {
        LossConfig kto = LossConfigs.of("loss_type: kto\n");
        assertEquals("loss_type [kto] does not read it (read by paired losses)", kto.unread("use_weighting"));
        assertEquals("loss_type [kto] does not read it (read by discopop)", kto.unread("discopop_tau"));
        assertEquals("loss_type [kto] does not read it (read by dpop)", kto.unread("dpop.lambda"));
        assertNull(kto.unread("undesirable_weight"));
        assertNull(LossConfigs.of("loss_type: [sft, simpo]\n").unread("beta"));
        assertNull(LossConfigs.of("loss_type: [sft, simpo]\n").unread("ld_alpha"));
        assertEquals("loss_type [sft] does not read it (read by every loss but orpo, sft and pro)", LossConfigs.of("loss_type: sft\n").unread("beta"));
    }
}
