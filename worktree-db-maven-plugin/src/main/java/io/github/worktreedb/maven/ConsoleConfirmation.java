package io.github.worktreedb.maven;

import io.github.worktreedb.ops.Confirmation;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * Asks on the terminal (or standard input) that Maven runs in. {@code y}/{@code yes} is yes, anything else no; the end
 * of the input (no console, standard input closed) is no answer.
 */
final class ConsoleConfirmation implements Confirmation {

    @Override
    public Answer ask(String question) {
        String answer;
        Console console = System.console();
        if (console != null) {
            answer = console.readLine("%s ", question);
        } else {
            // the process's own output: Maven 4 turns System.out into [INFO] [stdout] lines, written only at a newline
            MavenLog.stdout().print(question + " ");
            MavenLog.stdout().flush();
            try {
                answer = new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset())).readLine();
            } catch (IOException e) {
                answer = null;
            }
            // the answer was not echoed on this output: end the question's line, so the next line starts on its own
            MavenLog.stdout().println();
        }
        if (answer == null) {
            return Answer.NONE;
        }
        String a = answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes") ? Answer.YES : Answer.NO;
    }
}
