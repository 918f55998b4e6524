package org.jpo.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Edit distances worked by hand, and which candidates count as close. */
class SuggestTest {
    @Test void distanceCountsInsertionsDeletionsSubstitutionsAndSwaps() {
        assertEquals(0, Suggest.distance("beta", "beta"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));   // k→s, e→i, +g
        assertEquals(1, Suggest.distance("dop", "dpo"));          // one swap of neighbours
        assertEquals(1, Suggest.distance("lerning_rate", "learning_rate"));
        assertEquals(4, Suggest.distance("", "beta"));
        assertEquals(3, Suggest.distance("abc", "ca"));           // OSA edits nothing twice; full Damerau would say 2
    }

    @Test void onlyCloseCandidatesAreSuggested() {
        List<String> keys = List.of("learning_rate", "max_length", "max_prompt_length", "simpo.gamma", "rdpo.alpha", "cpo.alpha");
        assertEquals(List.of("learning_rate"), Suggest.closest("learning_rat", keys));
        assertEquals(List.of("simpo.gamma"), Suggest.closest("gamma", keys));
        assertEquals(List.of("rdpo.alpha", "cpo.alpha"), Suggest.closest("alpha", keys));
        assertEquals(List.of(), Suggest.closest("lr", keys));
        assertEquals(List.of(), Suggest.closest("max_len_prompt", keys));   // 5+ edits from either
        assertEquals("; did you mean 'max_length'?", Suggest.didYouMean("max_lenght", keys));
        assertEquals("", Suggest.didYouMean("bf16", keys));
    }
}
