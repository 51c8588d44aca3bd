package dev.sluice.limits.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run by its digest ({@code EVALSHA}), so a call sends a few dozen bytes rather than
 * the script. A Redis that does not know it (restarted, flushed, a new cluster node) answers
 * {@code NOSCRIPT}; the script then goes whole once ({@code EVAL}, which also caches it there).
 */
final class LuaScript {
    private final String text;
    private final String digest;

    private LuaScript(String text) {
        this.text = text;
        try {
            this.digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** The script of this name next to this class. */
    static LuaScript load(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("script missing from the JAR: " + name);
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the script: one round trip, two when Redis has to be given it first. */
    <T> CompletionStage<T> run(RedisScriptingAsyncCommands<String, String> commands, ScriptOutputType type, String[] keys,
            String... args) {
        CompletionStage<T> bySha = commands.evalsha(digest, type, keys, args);
        return bySha.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof RedisNoScriptException) {
                return commands.eval(text, type, keys, args);
            }
            return CompletableFuture.failedStage(cause);
        });
    }

    String digest() {
        return digest;
    }
}
