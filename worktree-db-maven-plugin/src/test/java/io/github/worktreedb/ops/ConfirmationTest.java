package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.testing.RecordingLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way a confirmation can end: each action that does not happen says so in one line of its own. */
class ConfirmationTest {

    static final String PLAN = "Migrate the main database shop with 1 pending migration(s):\n  V1 init (V1__init.sql)";

    final RecordingLog log = new RecordingLog();
    final List<String> asked = new ArrayList<>();

    private WorktreeDbConfig.Builder config() {
        return WorktreeDbConfig.builder(Path.of("."));
    }

    private Confirmation answering(Confirmation.Answer answer) {
        return question -> {
            asked.add(question);
            return answer;
        };
    }

    @Test
    void batchModePrintsEachLineOfThePlanThenNotDoneOnALineOfItsOwn() {
        assertThat(Confirmation.proceed(config().build(), answering(Confirmation.Answer.YES), PLAN, log)).isFalse();
        assertThat(log.lines()).containsExactly(
                "WARN Migrate the main database shop with 1 pending migration(s):",
                "WARN   V1 init (V1__init.sql)",
                "WARN Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.");
        assertThat(asked).isEmpty();
    }

    @Test
    void yesConfirmsWithoutAskingAndDryRunOnlyPrints() {
        assertThat(Confirmation.proceed(config().yes(true).build(), answering(Confirmation.Answer.NO), PLAN, log)).isTrue();
        assertThat(log.lines()).isEmpty();
        assertThat(Confirmation.proceed(config().dryRun(true).yes(true).build(), answering(Confirmation.Answer.YES), PLAN, log))
                .isFalse();
        assertThat(log.lines()).containsExactly("INFO [dry run] Migrate the main database shop with 1 pending migration(s):",
                "INFO   V1 init (V1__init.sql)");
        assertThat(asked).isEmpty();
    }

    @Test
    void interactiveAsksAndADeclineSaysNotDone() {
        assertThat(Confirmation.proceed(config().interactive(true).build(), answering(Confirmation.Answer.YES), PLAN, log)).isTrue();
        assertThat(asked).containsExactly(PLAN + "\nContinue? [y/N]");
        assertThat(log.lines()).isEmpty();

        assertThat(Confirmation.proceed(config().interactive(true).build(), answering(Confirmation.Answer.NO), PLAN, log)).isFalse();
        assertThat(log.lines()).containsExactly("WARN Not done: declined at the prompt; nothing was changed.");
    }

    @Test
    void interactiveWithNobodyToAnswerSaysNotDone() {
        assertThat(Confirmation.proceed(config().interactive(true).build(), answering(Confirmation.Answer.NONE), PLAN, log))
                .isFalse();
        assertThat(log.lines()).containsExactly("WARN Not done: nobody answered the prompt (no console, standard input "
                + "closed). Add -Dworktree-db.yes=true to confirm.");
    }

    @Test
    void aConfirmationThatMayNotAskPrintsThePlanAndWhy() {
        Confirmation bound = Confirmation.never("a goal bound to the build (phase pre-integration-test) never asks");
        assertThat(Confirmation.proceed(config().interactive(true).build(), bound, PLAN, log)).isFalse();
        assertThat(log.lines()).containsExactly(
                "WARN Migrate the main database shop with 1 pending migration(s):",
                "WARN   V1 init (V1__init.sql)",
                "WARN Not done: a goal bound to the build (phase pre-integration-test) never asks. Add -Dworktree-db.yes=true "
                        + "to confirm.");
    }
}
