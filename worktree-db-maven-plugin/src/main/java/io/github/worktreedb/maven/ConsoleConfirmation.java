package io.github.worktreedb.maven;

import io.github.worktreedb.ops.Confirmation;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.Locale;

/** Asks on the terminal (or standard input) that Maven runs in; no answer means no. */
final class ConsoleConfirmation implements Confirmation {

    @Override
    public boolean confirm(String question) {
        String answer;
        Console console = System.console();
        if (console != null) {
            answer = console.readLine("%s ", question);
        } else {
            System.out.print(question + " ");
            System.out.flush();
            try {
                answer = new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset())).readLine();
            } catch (IOException e) {
                answer = null;
            }
        }
        if (answer == null) {
            return false;
        }
        String a = answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes");
    }
}
