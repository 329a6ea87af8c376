package io.github.worktreedb.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recognises a coding agent from the environment the build runs in, as Prisma (6.15+) and Vercel's
 * {@code @vercel/detect-agent} do. An agent may do what it likes to its own worktree's databases; for the main, a
 * protected or a remote database it needs the name-bound {@code confirm}, which a person gives it.
 */
public final class Agents {

    /** Environment variable → the agent it reveals, checked in this order. */
    static final Map<String, String> VARIABLES = new LinkedHashMap<>();

    static {
        VARIABLES.put("CLAUDECODE", "Claude Code");
        VARIABLES.put("CLAUDE_CODE", "Claude Code");
        VARIABLES.put("CURSOR_AGENT", "Cursor agent");
        VARIABLES.put("CURSOR_TRACE_ID", "Cursor");
        VARIABLES.put("GEMINI_CLI", "Gemini CLI");
        VARIABLES.put("CODEX_SANDBOX", "OpenAI Codex");
        VARIABLES.put("CODEX_THREAD_ID", "OpenAI Codex");
        VARIABLES.put("CODEX_CI", "OpenAI Codex");
        VARIABLES.put("QWEN_CODE", "Qwen Code");
        VARIABLES.put("OPENCODE", "opencode");
        VARIABLES.put("AMP_HOME", "Amp");
        VARIABLES.put("CLINE_ACTIVE", "Cline");
        VARIABLES.put("AUGMENT_AGENT", "Augment");
        VARIABLES.put("REPL_ID", "Replit");
    }

    private Agents() {}

    /**
     * The agent the environment names, as {@code "Claude Code (CLAUDECODE)"}, or {@code null}. {@code AI_AGENT} (the
     * proposed common variable) wins and names the agent itself.
     */
    public static String detect(Map<String, String> env) {
        String named = env.get("AI_AGENT");
        if (named != null && !named.isBlank()) {
            return named.strip() + " (AI_AGENT)";
        }
        for (Map.Entry<String, String> e : VARIABLES.entrySet()) {
            String v = env.get(e.getKey());
            if (v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false")) {
                return e.getValue() + " (" + e.getKey() + ")";
            }
        }
        return null;
    }
}
