package org.jpo.data;

import java.util.List;

/** The examples of one data file and the counts of what happened to its rows. */
public record Dataset<E extends Example>(List<E> examples, DataStats stats) {
    public Dataset {
        examples = List.copyOf(examples);
    }
}
