@contract
Feature: What linreg accepts, and how it refuses the rest
  The article's functions trust their inputs: a misshapen target broadcasts into an
  n × n residual, a NaN trains silently into NaN weights, and the caller's weights are
  updated in place. linreg keeps the article's functions but checks their inputs: bad
  input is refused with a TypeError (wrong kind) or ValueError (wrong shape or value)
  whose message names the argument, and the caller's arrays are never written to.

  Rule: The feature matrix must be two-dimensional
    Scenario Outline: Refusing X given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with X given as <bad value>
      Then it is refused with a ValueError naming X

      Examples:
        | bad value    |
        | a flat array |
        | a 3-D array  |

  Rule: The targets must have one row per sample and a single column
    Scenario Outline: Refusing y given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with y given as <bad value>
      Then it is refused with a ValueError naming y

      Examples:
        | bad value                 |
        | a column one row too long |
        | a column one row short    |
        | two columns               |
        | a square n by n array     |

  Rule: The weights must have one entry per feature
    Scenario Outline: Refusing w given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with w given as <bad value>
      Then it is refused with a ValueError naming w

      Examples:
        | bad value                 |
        | a column one row too long |
        | a column one row short    |
        | two columns               |

  Rule: NaN and infinity are refused wherever they appear
    Scenario Outline: Refusing a non-finite <argument> given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with <argument> given as <bad value>
      Then it is refused with a ValueError naming <argument>

      Examples:
        | argument | bad value                  |
        | X        | an array holding a NaN     |
        | X        | an array holding infinity  |
        | y        | an array holding a NaN     |
        | y        | an array holding -infinity |
        | w        | an array holding a NaN     |
        | w        | an array holding infinity  |
        | b        | NaN                        |
        | b        | infinity                   |

  Rule: Empty data is refused
    Scenario Outline: Refusing an empty <argument> given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with <argument> given as <bad value>
      Then it is refused with a ValueError naming <argument>

      Examples:
        | argument | bad value                 |
        | X        | a matrix with no rows     |
        | X        | a matrix with no columns  |

  Rule: Arrays must hold real numbers
    Scenario Outline: Refusing a non-numeric <argument> given as <bad value>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with <argument> given as <bad value>
      Then it is refused with a TypeError naming <argument>

      Examples:
        | argument | bad value            |
        | X        | an array of strings  |
        | X        | an array of objects  |
        | X        | a complex array      |
        | y        | an array of strings  |
        | y        | a complex array      |
        | w        | an array of objects  |
        | b        | a string             |

  Rule: Arrays must be rectangular
    Scenario Outline: Refusing a ragged <argument>
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with <argument> given as a list of rows whose last row is empty
      Then it is refused with a ValueError naming <argument>

      Examples:
        | argument |
        | X        |
        | y        |
        | w        |

  Rule: A loss too large for float64 is refused, never returned as infinity
    Scenario: Evaluating on features of the order of 1e200
      Given a noisy linear data set of 10 samples and 3 features
      When the loss is computed with X given as the features times 1e200
      Then it is refused with a ValueError naming X

  Rule: The learning rate must be a positive finite number
    Scenario Outline: Refusing a learning rate of <value>
      Given a noisy linear data set of 10 samples and 3 features
      When the model trains with learning_rate set to <value>
      Then it is refused with a <error> naming learning_rate

      Examples:
        | value  | error      |
        | 0      | ValueError |
        | -0.01  | ValueError |
        | nan    | ValueError |
        | inf    | ValueError |
        | '0.01' | TypeError  |
        | True   | TypeError  |

  Rule: The number of epochs must be a positive whole number
    Scenario Outline: Refusing <value> epochs
      Given a noisy linear data set of 10 samples and 3 features
      When the model trains with epochs set to <value>
      Then it is refused with a <error> naming epochs

      Examples:
        | value | error      |
        | 0     | ValueError |
        | -1    | ValueError |
        | 2.5   | TypeError  |
        | True  | TypeError  |

  Rule: A flat target is the column of targets, never broadcast to n × n
    Scenario: A flat y gives the same loss and gradients as the column y
      Given a noisy linear data set of 12 samples and 3 features
      When the model is evaluated with y flattened to shape (12,)
      Then the loss and both gradients equal those of the column y
      And the weight gradient is still a column of 3 values

    Scenario: A flat y trains the same model as the column y
      Given a noisy linear data set of 12 samples and 3 features
      When the model trains for 200 epochs with y flattened to shape (12,)
      Then the losses and parameters equal those trained on the column y

  Rule: The metrics pair a flat truth with a column of predictions row by row
    Scenario: R² and MSE of flat targets against column predictions
      Given true values 1, 2 and 3 as a flat array
      When they are scored against the column of predictions 1, 2 and 4
      Then the mean squared error is 1/3, to fifteen digits
      And R² is 0.5, to fifteen digits

  Rule: A run whose loss overflows stops with an error that names the stable bound
    Scenario: Training far above the stable learning rate
      Given a noisy linear data set of 20 samples and 3 features
      When the model trains for 5000 epochs at 3 times the stable learning rate
      Then training stops with TrainingDiverged, a floating-point error
      And its message says training diverged and states the stable bound

  Rule: The caller's arrays are never modified
    Scenario: Evaluating the loss leaves every argument as it was
      Given a noisy linear data set of 15 samples and 4 features
      And a copy of every argument is kept aside
      When the loss is evaluated with those arguments
      Then every argument still holds the values of its copy

    Scenario: Training leaves the data as it was
      Given a noisy linear data set of 15 samples and 4 features
      And a copy of every argument is kept aside
      When the model trains on those arguments
      Then every argument still holds the values of its copy

    Scenario: Predicting leaves the parameters as they were
      Given a noisy linear data set of 15 samples and 4 features
      And a copy of every argument is kept aside
      When the model predicts with those arguments
      Then every argument still holds the values of its copy
      And the parameters dict still holds the same arrays
