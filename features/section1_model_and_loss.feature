@section-1
Feature: The model and its loss (article, section 1)
  Section 1 defines the model as the feature matrix times a weight column plus a
  scalar bias, and scores it by the squared residuals, summed and divided by twice
  the number of samples. It says the factor one half is there to tidy up the
  derivative and changes nothing. We check the shapes, the formula and sign of the
  loss, and what the one half does and does not change.
  Article's section: "1. The Math: What Are We Building?"

  @claim-1.1 @holds
  Rule: The prediction is X w + b, one value per sample
    Article: "y_hat = X · w + b", with X of shape n × d, w of shape d × 1, b a scalar

    Scenario Outline: Predicting <n> samples of <d> features
      Given a noisy linear data set of <n> samples and <d> features
      When the model is evaluated at some weights and bias
      Then the prediction is a column of <n> values
      And each value is its sample's features weighted by w, plus b, to twelve digits

      Examples:
        | n  | d  |
        | 1  | 1  |
        | 3  | 7  |
        | 5  | 3  |
        | 50 | 10 |

  @claim-1.2 @holds
  Rule: The loss is the sum of squared residuals divided by 2n
    Article: "L(w, b) = 1/(2n) Σ (y_hat_i − y_i)²"
    Builds on: claim-1.1

    Scenario: Residuals of 1, -2 and 2 cost 1.5
      Given three predictions that miss their targets by 1, -2 and 2
      When the model is evaluated at some weights and bias
      Then the loss is exactly 1.5

    Scenario Outline: The loss on <n> samples of <d> features is half the mean squared error
      Given a noisy linear data set of <n> samples and <d> features
      When the model is evaluated at some weights and bias
      Then the loss is half the mean squared error of the prediction, up to rounding

      Examples:
        | n    | d |
        | 40   | 3 |
        | 5000 | 1 |

    Scenario: A perfect fit costs nothing
      Given targets that a model of 20 samples and 4 features predicts exactly
      When the model is evaluated at some weights and bias
      Then the loss is exactly zero

    Scenario: The loss is never negative
      Given any data set, weights and bias with values between -10 and 10
      Then the loss is at least zero

    Scenario: The loss vanishes only at a perfect fit
      Given any data set, weights and bias with values between -10 and 10
      Then the loss is zero exactly when every residual is zero

  @claim-1.3 @holds
  Rule: Thanks to the one half, the gradient carries no factor 2
    Article: "it simplifies the derivative calculations"
    Builds on: claim-2.3

    Scenario: The loss without the one half has exactly twice our gradient
      Given a noisy linear data set of 30 samples and 4 features
      When the model is evaluated at some weights and bias
      Then the gradient of the loss without the one half is twice dw and db, to six significant digits

  @claim-1.4 @conditional
  Rule: The one half leaves the minimiser alone but not gradient descent's path
    Article: "with or without it doesn't influence"
    True for the minimiser: scaling a loss by 2 does not move its minimum. False for
    the training the article runs: the loss values and the gradient double, so a fixed
    learning rate on the loss without the one half is the article's descent at twice
    that rate, and the largest stable learning rate halves.
    Builds on: claim-1.2, claim-2.1, claim-2.3, claim-2.4, claim-2.5

    Scenario: Both losses are lowest at the least-squares parameters
      Given a noisy linear data set of 40 samples and 3 features
      When the least-squares parameters are found
      Then moving any parameter away from them raises the loss with and without the one half

    Scenario: Descent on the loss without the one half is the article's at twice the learning rate
      Given a noisy linear data set of 30 samples and 3 features
      When both losses are descended for 3 epochs at a quarter of the article's stable learning rate
      Then the parameters without the one half match the article's at half the stable rate, to six digits
      And they differ from the article's at a quarter of the stable rate

    Scenario: A learning rate stable for the article's loss diverges without the one half
      Given a noisy linear data set of 30 samples and 3 features
      When both losses are descended for 100 epochs at three quarters of the article's stable learning rate
      Then the article's loss ends below where it started
      But the article's descent at twice that rate, the descent without the one half, ends more than a million times higher than it started
