/**
 * Training rows: TRL formats, chat templates, implicit prompts, joint tokenization, truncation, bad rows, data
 * statistics, collation into batches. Imports {@code config}, {@code io}, {@code model} (batches) and {@code tokenizer}.
 */
package org.jpo.data;
