package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.ops.Agents;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetySettingsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"5s, 5000", "500ms, 500", "500, 500", "2min, 120000", "1h, 3600000", "0, 0", "' 3 s ', 3000"})
    void readsPostgresDurations(String text, long millis) {
        assertThat(SafetySettings.parseTimeout(PropertyNames.LOCK_TIMEOUT, text)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void aBadDurationNamesThePropertyAndTheForms() {
        assertThatThrownBy(() -> SafetySettings.parseTimeout(PropertyNames.LOCK_TIMEOUT, "5 seconds"))
                .hasMessage("worktree-db.lockTimeout='5 seconds' is not a duration. Use e.g. 5s, 500ms, 2min, 1h, or 0 for none.");
        assertThat(SafetySettings.parseTimeout(PropertyNames.LOCK_TIMEOUT, " ")).isNull();
    }

    @Test
    void targetIsWorktreeOrMain() {
        assertThat(SafetySettings.Target.parse(null)).isEqualTo(SafetySettings.Target.WORKTREE);
        assertThat(SafetySettings.Target.parse(" MAIN ")).isEqualTo(SafetySettings.Target.MAIN);
        assertThatThrownBy(() -> SafetySettings.Target.parse("prod")).hasMessage("worktree-db.target='prod' is not worktree or main.");
    }

    @Test
    void agentsAreRecognisedFromTheirEnvironment() {
        assertThat(Agents.detect(Map.of())).isNull();
        assertThat(Agents.detect(Map.of("CLAUDECODE", "1"))).isEqualTo("Claude Code (CLAUDECODE)");
        assertThat(Agents.detect(Map.of("GEMINI_CLI", "1", "PATH", "/bin"))).isEqualTo("Gemini CLI (GEMINI_CLI)");
        assertThat(Agents.detect(Map.of("CODEX_SANDBOX", "seatbelt"))).isEqualTo("OpenAI Codex (CODEX_SANDBOX)");
        assertThat(Agents.detect(Map.of("AI_AGENT", "my-bot", "CLAUDECODE", "1"))).isEqualTo("my-bot (AI_AGENT)");
        assertThat(Agents.detect(Map.of("CURSOR_AGENT", "0"))).isNull();
    }
}
