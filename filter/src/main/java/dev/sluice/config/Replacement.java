package dev.sluice.config;

/**
 * One {@code <from> -> <to>} rule of {@code redirect.map} or {@code cookie.domain}.
 *
 * @param from what is looked for, never empty
 * @param to what takes its place; empty drops it
 */
public record Replacement(String from, String to) {
}
