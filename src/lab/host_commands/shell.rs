//! Just enough of a POSIX shell to interpret the command lines a scanner sends to the gateway:
//! words with single/double quotes and backquote substitution, pipelines, `&&`, `||`, `;`, and
//! the stderr redirections `2>&1` / `2>/dev/null`. Anything fancier is an error, not a guess.

/// Stands for an unquoted `*` in a word: pathname expansion happens when the command runs,
/// against the files of the host it runs on (a word without matches keeps its `*`).
pub const GLOB_STAR: char = '\u{E000}';

/// One token of a command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Word(String),
    Pipe,
    And,
    Or,
    Semicolon,
    /// `2>&1`
    StderrToStdout,
    /// `2>/dev/null`
    StderrToNull,
    /// `>/dev/null` or `1>/dev/null`
    StdoutToNull,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SyntaxError {
    #[error("unexpected EOF while looking for matching `{0}'")]
    Unterminated(char),
    #[error("syntax error near unexpected token `{0}'")]
    Unexpected(String),
}

/// Splits `line` into tokens; `substitute` runs the text of a backquoted command and returns its
/// output (trailing newlines are removed here, as the shell does).
pub fn tokenize(
    line: &str,
    substitute: &mut dyn FnMut(&str) -> String,
) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let flush = |tokens: &mut Vec<Token>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            tokens.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => flush(&mut tokens, &mut word, &mut in_word),
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err(SyntaxError::Unterminated('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '`' | '$')) => word.push(ch),
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err(SyntaxError::Unterminated('"')),
                        },
                        Some('`') => word.push_str(&backquoted(&mut chars, substitute)?),
                        Some(ch) => word.push(ch),
                        None => return Err(SyntaxError::Unterminated('"')),
                    }
                }
            }
            '`' => {
                in_word = true;
                word.push_str(&backquoted(&mut chars, substitute)?);
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    word.push(ch);
                }
            }
            '|' | '&' | ';' => {
                flush(&mut tokens, &mut word, &mut in_word);
                let doubled = chars.peek() == Some(&c);
                if doubled {
                    chars.next();
                }
                tokens.push(match (c, doubled) {
                    ('|', false) => Token::Pipe,
                    ('|', true) => Token::Or,
                    ('&', true) => Token::And,
                    (';', false) => Token::Semicolon,
                    _ => return Err(SyntaxError::Unexpected(c.to_string())),
                });
            }
            '>' | '2' | '1' if !in_word && redirection_ahead(c, &chars) => {
                let mut text = String::from(c);
                while let Some(&ch) = chars.peek() {
                    if ch == ' ' || ch == '|' || ch == ';' {
                        break;
                    }
                    text.push(ch);
                    chars.next();
                }
                tokens.push(match text.as_str() {
                    "2>&1" => Token::StderrToStdout,
                    "2>/dev/null" => Token::StderrToNull,
                    ">/dev/null" | "1>/dev/null" => Token::StdoutToNull,
                    other => return Err(SyntaxError::Unexpected(other.to_string())),
                });
            }
            '*' => {
                in_word = true;
                word.push(GLOB_STAR);
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush(&mut tokens, &mut word, &mut in_word);
    Ok(tokens)
}

/// `c` starts a redirection: `>...`, or `2>` / `1>` at the start of a word.
fn redirection_ahead(c: char, chars: &std::iter::Peekable<std::str::Chars>) -> bool {
    c == '>' || chars.clone().next() == Some('>')
}

fn backquoted(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    substitute: &mut dyn FnMut(&str) -> String,
) -> Result<String, SyntaxError> {
    let mut inner = String::new();
    loop {
        match chars.next() {
            Some('`') => break,
            Some(ch) => inner.push(ch),
            None => return Err(SyntaxError::Unterminated('`')),
        }
    }
    let output = substitute(&inner);
    Ok(output.trim_end_matches('\n').to_string())
}

/// How a pipeline is joined to the previous one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Connector {
    First,
    And,
    Or,
    Then,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleCommand {
    pub words: Vec<String>,
    pub stderr_to_stdout: bool,
    pub stderr_to_null: bool,
    pub stdout_to_null: bool,
}

pub type Pipeline = Vec<SimpleCommand>;

/// Groups tokens into `(connector, pipeline)` pairs.
pub fn parse(tokens: Vec<Token>) -> Result<Vec<(Connector, Pipeline)>, SyntaxError> {
    let mut list = Vec::new();
    let mut connector = Connector::First;
    let mut pipeline: Pipeline = Vec::new();
    let mut command = SimpleCommand::default();
    let end_command = |pipeline: &mut Pipeline, command: &mut SimpleCommand, token: &str| {
        if command.words.is_empty() {
            return Err(SyntaxError::Unexpected(token.to_string()));
        }
        pipeline.push(std::mem::take(command));
        Ok(())
    };
    for token in tokens {
        match token {
            Token::Word(w) => command.words.push(w),
            Token::StderrToStdout => command.stderr_to_stdout = true,
            Token::StderrToNull => command.stderr_to_null = true,
            Token::StdoutToNull => command.stdout_to_null = true,
            Token::Pipe => end_command(&mut pipeline, &mut command, "|")?,
            Token::And | Token::Or | Token::Semicolon => {
                let (text, next) = match token {
                    Token::And => ("&&", Connector::And),
                    Token::Or => ("||", Connector::Or),
                    _ => (";", Connector::Then),
                };
                end_command(&mut pipeline, &mut command, text)?;
                list.push((connector, std::mem::take(&mut pipeline)));
                connector = next;
            }
        }
    }
    if !command.words.is_empty() {
        pipeline.push(command);
    }
    if !pipeline.is_empty() {
        list.push((connector, pipeline));
    } else if connector != Connector::First && connector != Connector::Then {
        return Err(SyntaxError::Unexpected("newline".into()));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Token> {
        tokenize(line, &mut |cmd| format!("<{cmd}>\n")).unwrap()
    }

    #[test]
    fn quotes_backquotes_and_operators() {
        let tokens = words("cat /etc/os-release && echo \"ARCHITECURE=`arch`\"");
        assert_eq!(
            tokens,
            vec![
                Token::Word("cat".into()),
                Token::Word("/etc/os-release".into()),
                Token::And,
                Token::Word("echo".into()),
                Token::Word("ARCHITECURE=<arch>".into()),
            ]
        );
        let tokens = words("ls -l /sys/class/net | grep ^l | grep -v \"/virtual/\"");
        assert_eq!(tokens.iter().filter(|t| **t == Token::Pipe).count(), 2);
        assert_eq!(tokens.last(), Some(&Token::Word("/virtual/".into())));
        let tokens = words("ls -1 /proc/net/bonding/ 2>&1");
        assert_eq!(tokens.last(), Some(&Token::StderrToStdout));
    }

    #[test]
    fn parse_groups_pipelines() {
        let list = parse(words("a b | c ; d && e || f")).unwrap();
        let shape: Vec<(Connector, usize)> = list.iter().map(|(c, p)| (*c, p.len())).collect();
        assert_eq!(
            shape,
            vec![
                (Connector::First, 2),
                (Connector::Then, 1),
                (Connector::And, 1),
                (Connector::Or, 1)
            ]
        );
        assert!(parse(words("a && && b")).is_err());
        assert!(tokenize("echo \"x", &mut |_| String::new()).is_err());
    }
}
