@section-2
Feature: The implementation, step by step (article, section 2)
  Section 2 builds the model in three functions: a zero starting point, one function
  that returns the prediction, the loss and both gradients, and a loop that steps
  against the gradient and records the loss every epoch. We check what each returns,
  that the chain-rule gradients are the true derivatives of the loss, and when a step
  against the gradient really lowers the loss.
  Article's section: "2. Step-by-Step Implementation"

  @claim-2.1 @holds
  Rule: Training starts from zero weights in a column and a zero bias
    Article: "We initialize our weights to zero ... and set the bias to zero"

    Scenario Outline: Starting point of a model with <d> features
      When a model of <d> features is initialised
      Then its weights are a column of <d> zeros
      And its bias is zero

      Examples:
        | d  |
        | 1  |
        | 3  |
        | 10 |

  @claim-2.2 @holds
  Rule: One call gives the prediction, the loss and both gradients
    Article: "Forward Pass ... Loss Calculation ... Gradient Computation"
    Builds on: claim-1.1

    Scenario Outline: What one evaluation of <n> samples of <d> features returns
      Given a noisy linear data set of <n> samples and <d> features
      When the model is evaluated at some weights and bias
      Then the prediction is a column of <n> values and the loss a single number
      And the weight gradient is a column of <d> values and the bias gradient a single number

      Examples:
        | n  | d  |
        | 1  | 1  |
        | 7  | 2  |
        | 60 | 10 |

  @claim-2.3 @holds
  Rule: dw and db are the derivatives of the loss
    Article: "∂L/∂w = (1/n) Xᵀ(ŷ − y)" and "∂L/∂b = (1/n) Σ(ŷᵢ − yᵢ)"
    Builds on: claim-1.2, claim-2.2

    Scenario Outline: Chain-rule gradients on <n> samples of <d> features
      Given a noisy linear data set of <n> samples and <d> features
      When the model is evaluated at some weights and bias
      Then dw and db are the loss's derivatives to six significant digits

      Examples:
        | n    | d  |
        | 1    | 1  |
        | 2    | 5  |
        | 25   | 3  |
        | 80   | 10 |
        | 2000 | 1  |
        | 5000 | 4  |

    Scenario: Chain-rule gradients on any data
      Given any data set, weights and bias with values between -10 and 10
      Then dw and db are the loss's derivatives wherever they are evaluated

  @claim-2.4 @conditional
  Rule: Below 2 / lambda_max every step lowers the loss; above it the loss eventually grows
    Article: "updates parameters in the direction that reduces the loss"
    The step direction always points downhill, but whether the loss drops depends on
    the step's length. Below 2 / λmax of (1/n)[X 1]ᵀ[X 1] every step lowers it. One
    step from θ lowers it whenever α < 2|g|² / (gᵀHg), a threshold never below that
    bound, so just above the bound the first steps may still help; but the error along
    the top eigen-direction grows by a constant factor each epoch, and in the end so
    does the loss.
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario Outline: At <fraction> the stable learning rate every epoch lowers the loss
      Given a noisy linear data set of 40 samples and 4 features
      When the model trains for 20 epochs at <fraction> the stable learning rate
      Then every epoch's loss is lower than the one before

      Examples:
        | fraction       |
        | a hundredth of |
        | half           |
        | 0.99 times     |

    Scenario: Just above the stable learning rate the first step can still lower the loss
      Given a noisy linear data set of 40 samples and 4 features
      When the model trains for 2 epochs at 1.1 times the stable learning rate from zero
      Then the loss after the first step is lower than the starting model's

    Scenario: Above the stable learning rate the loss grows without limit
      Given a noisy linear data set of 40 samples and 4 features
      When the model trains for 400 epochs at 1.1 times the stable learning rate
      Then the final loss is more than a billion times the starting model's

  @claim-2.5 @holds
  Rule: Training returns the loss of every epoch, the final parameters and the last gradients
    Article: "loss_his: History of loss values", "params", "grads: ... final gradients"
    The article also prints the loss every 10,000 epochs; linreg does so only when asked
    (verbose=True), which is linreg's promise, not the article's. Each check holds the run to
    the implementation's own linear_loss (its loss, its gradients), right or wrong: what the
    loop does with them, not whether they are the article's.
    Builds on: claim-2.1, claim-2.2

    Scenario: The history holds one loss per epoch, starting with the loss where training started
      Given a noisy linear data set of 30 samples and 3 features
      When the model trains for 500 epochs at the article's learning rate of 0.01
      Then the history holds 500 losses, the first being the loss where it started

    Scenario: The returned gradients are those the last epoch stepped against
      Given a noisy linear data set of 30 samples and 3 features
      When the model trains for 500 epochs at the article's learning rate of 0.01
      Then the returned gradients are those of the last epoch's starting parameters

    Scenario: The returned parameters are those after the last step
      Given a noisy linear data set of 30 samples and 3 features
      When the model trains for 500 epochs at the article's learning rate of 0.01
      Then the returned parameters are one step against those gradients from the last epoch's start

    Scenario: Without a learning rate or a number of epochs, training is the article's 10,000 epochs at 0.01
      Given a noisy linear data set of 20 samples and 2 features
      When the model trains with neither a learning rate nor a number of epochs
      Then that run is the run of 10000 epochs at the article's learning rate of 0.01 from the same start, loss for loss

    @contract
    Scenario: Training is silent unless asked
      Given a noisy linear data set of 20 samples and 2 features
      When the model trains for 20000 epochs at the article's learning rate of 0.01
      Then nothing is printed

    Scenario: Training reports the loss every 10,000 epochs
      Given a noisy linear data set of 20 samples and 2 features
      When the model trains for 20000 epochs at the article's learning rate of 0.01, reporting its progress
      Then it prints one line each for epochs 10000 and 20000, giving that epoch's loss
