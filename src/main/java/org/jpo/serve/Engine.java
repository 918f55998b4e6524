package org.jpo.serve;

import org.jpo.sampling.Choice;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The decode thread and the rows waiting for it. Handler threads {@link #submit} rows; the thread takes what is
 * pending, up to {@code maxBatch} rows that share the oldest row's {@link Choice} (rows with another temperature,
 * top-p or top-k wait for a later batch), and decodes them in one call. Tokens go to each row's {@link Sink},
 * which only queues them: a slow or vanished client never stalls the thread. The thread owns the
 * {@link Served} checkpoint and is the only one that touches its weights.
 */
final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    /** Where a row's result goes; its token listener is the row's own. */
    interface Sink {
        /** false once nobody waits for the row (its client left): it is dropped from the queue. */
        boolean live();

        void done(Completion c);

        void failed(RuntimeException e);
    }

    /** A row waiting for a batch. */
    record Job(LocalSampler.Row row, Choice choice, Sink sink) {}

    private final int maxBatch;
    private final Metrics metrics;
    private final ArrayDeque<Job> pending = new ArrayDeque<>();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final Thread thread;
    private volatile Served served;
    private LocalSampler sampler;
    private boolean closed;

    Engine(Served served, int maxBatch, Metrics metrics) {
        this.served = served;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        this.sampler = new LocalSampler(served.model(), served.stopIds(), maxBatch);
        this.thread = new Thread(this::run, "jpo-decode");
        thread.setDaemon(true);
        thread.start();
    }

    /** The checkpoint being served now (its tokenizer and template are safe to use while no swap runs). */
    Served served() { return served; }

    synchronized int pending() { return pending.size(); }

    synchronized void submit(List<Job> jobs) {
        if (closed) throw ApiError.internal("the server is shutting down");
        pending.addAll(jobs);
        notifyAll();
    }

    /** Switches to {@code next} between batches and closes the old checkpoint; returns once done. */
    void replace(Served next) {
        CompletableFuture<Void> swapped = new CompletableFuture<>();
        synchronized (this) {
            if (closed) throw ApiError.internal("the server is shutting down");
            tasks.add(() -> {
                Served old = served;
                served = next;
                sampler = new LocalSampler(next.model(), next.stopIds(), maxBatch);
                old.close();
                swapped.complete(null);
            });
            notifyAll();
        }
        swapped.join();
    }

    private void run() {
        while (true) {
            Runnable task;
            List<Job> batch;
            synchronized (this) {
                while (!closed && tasks.isEmpty() && pending.isEmpty()) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) return;
                task = tasks.poll();
                batch = task == null ? nextBatch() : List.of();
            }
            if (task != null) task.run();
            else if (!batch.isEmpty()) decode(batch);
        }
    }

    /** Up to maxBatch live pending rows with the oldest row's choice, removed from the queue. */
    private List<Job> nextBatch() {
        pending.removeIf(j -> !j.sink().live());
        List<Job> batch = new ArrayList<>();
        if (pending.isEmpty()) return batch;
        Choice choice = pending.peek().choice();
        for (Iterator<Job> it = pending.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
            Job j = it.next();
            if (j.choice().equals(choice)) {
                batch.add(j);
                it.remove();
            }
        }
        return batch;
    }

    private void decode(List<Job> batch) {
        List<Completion> out;
        try {
            out = sampler.generate(batch.stream().map(Job::row).toList(), batch.get(0).choice());
        } catch (RuntimeException e) {
            log.warn("a batch of {} rows failed: {}", batch.size(), e.toString(), e);
            batch.forEach(j -> j.sink().failed(e));
            return;
        }
        metrics.batches.increment();
        metrics.rows.add(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            metrics.tokens.add(out.get(i).tokenIds().length);
            batch.get(i).sink().done(out.get(i));
        }
        log.debug("batch of {} rows", batch.size());
    }

    /** Stops the thread after its current batch, fails what is still pending, and frees the checkpoint. */
    @Override public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            RuntimeException stopping = ApiError.internal("the server is shutting down");
            pending.forEach(j -> j.sink().failed(stopping));
            pending.clear();
            tasks.forEach(Runnable::run);   // a swap still queued frees the checkpoint it replaces
            tasks.clear();
        }
        served.close();
    }
}
