/**
 * The {@code Tokenizer} interface, HF {@code tokenizer.json} (through DJL), the llama2.c tokenizer, chat templates.
 * Imports no other jpo package.
 */
package org.jpo.tokenizer;
