package org.jpo.serve;

import org.jpo.sampling.Choice;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The decode thread and the rows waiting for it. Handler threads {@link #submit} rows; the thread decodes them in
 * a continuous batch of up to {@code maxBatch} slots: rows that arrive mid-decode join the running batch at the
 * next step, whatever their {@link Choice}, and a checkpoint swap waits until the running rows finish (no new
 * row joins once one is queued). Tokens go to each row's {@link Sink},
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
            }
            if (task != null) task.run();
            else decode();
        }
    }

    /** One continuous batch: runs while rows keep arriving; a failure fails every row it had started. */
    private void decode() {
        Map<LocalSampler.Job, Job> running = new IdentityHashMap<>();
        metrics.batches.increment();
        try {
            sampler.run(new LocalSampler.Feed() {
                @Override public List<LocalSampler.Job> take(int max) {
                    List<LocalSampler.Job> jobs = new ArrayList<>();
                    for (Job j : nextRows(max)) {
                        LocalSampler.Job job = new LocalSampler.Job(j.row(), j.choice());
                        running.put(job, j);
                        jobs.add(job);
                    }
                    metrics.rows.add(jobs.size());
                    return jobs;
                }

                @Override public void done(LocalSampler.Job job, Completion c) {
                    metrics.tokens.add(c.tokenIds().length);
                    running.remove(job).sink().done(c);
                }
            }, 0);
        } catch (RuntimeException e) {
            log.warn("a batch of {} running rows failed", running.size(), e);
            running.values().forEach(j -> j.sink().failed(e));
        }
    }

    /** Up to {@code max} live pending rows, removed from the queue; none once a swap or shutdown waits. */
    private synchronized List<Job> nextRows(int max) {
        List<Job> rows = new ArrayList<>();
        if (closed || !tasks.isEmpty()) return rows;
        pending.removeIf(j -> !j.sink().live());
        while (rows.size() < max && !pending.isEmpty()) rows.add(pending.poll());
        return rows;
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
