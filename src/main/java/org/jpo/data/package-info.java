/**
 * Training rows: TRL formats, chat templates, implicit prompts, joint tokenization, truncation, bad rows, data
 * statistics, collation into batches; a loop's pairs.jsonl rows as examples. Imports {@code config}, {@code io},
 * {@code model} (batches), {@code tokenizer}, and {@code pairs}/{@code sampling} for the loop's row records.
 */
package org.jpo.data;
