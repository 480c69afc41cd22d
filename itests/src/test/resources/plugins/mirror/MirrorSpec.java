package it.example.mirror.internal;

/** The shadow server's port on 127.0.0.1. */
public record MirrorSpec(Integer port) {
}
